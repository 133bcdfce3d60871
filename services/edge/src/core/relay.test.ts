import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { CryptoError } from "@darkbloom/crypto";
import {
  FinishReason,
  InferResponseSchema,
  TrustLevel,
  type InferResponse,
} from "@darkbloom/proto";
import { expect } from "chai";
import { EdgeError } from "../errors/edge-error.js";
import { MidStreamError, type InferenceEvent } from "./inference-events.js";
import { relayFrames, type FrameReader } from "./relay.js";

const started = (): InferResponse =>
  create(InferResponseSchema, {
    kind: { case: "started", value: { providerId: "p1", providerAccountId: "acct-p1" } },
  });
const chunk = (sequence: number, tokenCount: number): InferResponse =>
  create(InferResponseSchema, {
    kind: { case: "chunk", value: { sequence, tokenCount, encryptedPayload: Uint8Array.of(1) } },
  });
const batch = (...items: InferResponse[]): InferResponse =>
  create(InferResponseSchema, {
    kind: {
      case: "chunks",
      value: { chunks: items.flatMap((i) => (i.kind.case === "chunk" ? [i.kind.value] : [])) },
    },
  });
const complete = (): InferResponse =>
  create(InferResponseSchema, {
    kind: {
      case: "complete",
      value: { finishReason: FinishReason.STOP, usage: { promptTokens: 7, completionTokens: 3 } },
    },
  });

async function* frames(
  items: readonly InferResponse[],
  end?: Error,
): AsyncGenerator<InferResponse> {
  for (const item of items) yield await Promise.resolve(item);
  if (end) throw end;
}

/** Reads every chunk as a one-token text delta; a chunk numbered `refuse` fails authentication. */
const reader = (refuse = -1): FrameReader => ({
  started: (s) => ({
    type: "started",
    providerId: s.providerId,
    providerAccountId: s.providerAccountId,
    trustLevel: TrustLevel.SOFTWARE,
    keyFingerprint: "fp",
  }),
  chunk: (c) => {
    if (c.sequence === refuse)
      throw new CryptoError("authentication_failed", "chunk failed authentication");
    return {
      stopSequence: c.sequence === 1 ? "END" : "",
      delta: {
        type: "delta",
        text: `t${c.sequence}`,
        tokens: c.tokenCount,
        toolCalls: [],
        promptTokens: 0,
      },
    };
  },
});

async function drain(gen: AsyncGenerator<InferenceEvent>): Promise<unknown> {
  const out: InferenceEvent[] = [];
  try {
    for await (const ev of gen) out.push(ev);
    return out;
  } catch (err) {
    return err;
  }
}

describe("relayFrames (the one relay of compat and sealed mode)", () => {
  it("yields started, the read deltas, and done with the provider's usage and the stop string", async () => {
    const out = await drain(
      relayFrames(() => frames([started(), chunk(0, 2), chunk(1, 1), complete()]), reader(), false),
    );
    expect((out as InferenceEvent[]).map((e) => e.type)).to.deep.equal([
      "started",
      "delta",
      "delta",
      "done",
    ]);
    expect((out as InferenceEvent[])[3]).to.deep.equal({
      type: "done",
      promptTokens: 7,
      completionTokens: 3,
      finishReason: FinishReason.STOP,
      stopSequence: "END",
    });
  });

  it("does not count a chunk that fails authentication as delivered", async () => {
    const err = await drain(
      relayFrames(() => frames([started(), chunk(0, 2), chunk(1, 3)]), reader(1), false),
    );
    expect(err).to.be.instanceOf(MidStreamError);
    expect((err as MidStreamError).deliveredTokens).to.equal(2);
    expect((err as MidStreamError).edge.code).to.equal("provider_error");
  });

  it("answers a reservation that expired before the start with 409 reservation_expired, in each mode's words", async () => {
    const expired = new ConnectError("reservation expired", Code.FailedPrecondition);
    const compat = await drain(relayFrames(() => frames([], expired), reader(), false));
    const sealed = await drain(relayFrames(() => frames([], expired), reader(), true));
    for (const err of [compat, sealed]) {
      expect(err).to.be.instanceOf(EdgeError);
      expect((err as EdgeError).status).to.equal(409);
      expect((err as EdgeError).code).to.equal("reservation_expired");
    }
    expect((sealed as EdgeError).message).to.equal("the reservation expired; reserve again");
  });

  it("ends a stream that stops without completing with a 502 that knows what was delivered", async () => {
    const err = await drain(relayFrames(() => frames([started(), chunk(0, 4)]), reader(), true));
    expect(err).to.be.instanceOf(MidStreamError);
    expect((err as MidStreamError).deliveredTokens).to.equal(4);
    expect((err as MidStreamError).edge.status).to.equal(502);
  });

  it("passes a batch of chunks on as one deltas event, in order, counted like single chunks", async () => {
    const out = (await drain(
      relayFrames(
        () => frames([started(), batch(chunk(0, 2), chunk(1, 1), chunk(2, 4)), complete()]),
        reader(),
        false,
      ),
    )) as InferenceEvent[];
    expect(out.map((e) => e.type)).to.deep.equal(["started", "deltas", "done"]);
    const deltas = out[1]?.type === "deltas" ? out[1].deltas : [];
    expect(deltas.map((d) => [d.text, d.tokens])).to.deep.equal([
      ["t0", 2],
      ["t1", 1],
      ["t2", 4],
    ]);
    expect(out[2]).to.include({ stopSequence: "END" });
  });

  it("hands over a batch's chunks read before one that fails authentication, and counts only them", async () => {
    const out: InferenceEvent[] = [];
    let failure: unknown;
    try {
      for await (const ev of relayFrames(
        () => frames([started(), batch(chunk(0, 2), chunk(1, 3), chunk(2, 5))]),
        reader(2),
        false,
      ))
        out.push(ev);
    } catch (err) {
      failure = err;
    }
    expect(out.map((e) => e.type)).to.deep.equal(["started", "deltas"]);
    expect(failure).to.be.instanceOf(MidStreamError);
    expect((failure as MidStreamError).deliveredTokens).to.equal(5);
  });
});
