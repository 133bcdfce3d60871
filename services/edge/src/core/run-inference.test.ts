import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import {
  boxBeforenm,
  generateKeyPair,
  openWithSharedKey,
  sealWithSharedKey,
} from "@darkbloom/crypto";
import {
  ChunkPayloadSchema,
  FinishReason,
  InferenceBodySchema,
  RoutingService,
  TrustLevel,
  type InferRequest,
  type InferResponse,
  type InferenceBody,
  type SupplyAlternateRequest,
} from "@darkbloom/proto";
import { expect } from "chai";
import type { InferenceEvent } from "./inference-events.js";
import { runInference, type InferenceInput } from "./run-inference.js";

/**
 * Plays routing for one compat request: a primary and one alternate with real X25519 keys. With
 * `hedge`, it asks for the alternate's body after `started`, opens the supplied copy with the
 * alternate's secret key and answers from the alternate; otherwise the primary answers.
 */
function fakeRouting(hedge: boolean) {
  const primary = generateKeyPair();
  const alternate = generateKeyPair();
  const seen: {
    infer?: InferRequest;
    supplies: SupplyAlternateRequest[];
    openedByAlternate?: InferenceBody;
  } = { supplies: [] };
  let supplied: (req: SupplyAlternateRequest) => void = () => undefined;
  const chunk = (key: Uint8Array, text: string): InferResponse["kind"] => ({
    case: "chunk",
    value: {
      $typeName: "darkbloom.v1.Chunk",
      requestId: "r1",
      sequence: 0,
      tokenCount: 1,
      encryptedPayload: sealWithSharedKey(
        key,
        toBinary(ChunkPayloadSchema, create(ChunkPayloadSchema, { text, tokenCount: 1 })),
      ),
    },
  });
  const transport = createRouterTransport(({ service }) =>
    service(RoutingService, {
      reserve: () => ({
        reservationId: "res-1",
        providerId: "p1",
        providerPublicKey: primary.publicKey,
        trustLevel: TrustLevel.SOFTWARE,
        keyFingerprint: "fp-p1",
        alternates: [
          {
            providerId: "p2",
            providerPublicKey: alternate.publicKey,
            trustLevel: TrustLevel.HARDWARE,
            keyFingerprint: "fp-p2",
          },
        ],
      }),
      async *infer(req) {
        seen.infer = req;
        yield { kind: { case: "started", value: { providerId: "p1" } } };
        if (!hedge) {
          yield { kind: chunk(boxBeforenm(req.senderPublicKey, primary.secretKey), "from p1") };
        } else {
          const copy = new Promise<SupplyAlternateRequest>((resolve) => (supplied = resolve));
          yield { kind: { case: "alternateWanted", value: { providerId: "p2" } } };
          const sealed = (await copy).alternate;
          const key = boxBeforenm(sealed?.senderPublicKey ?? new Uint8Array(), alternate.secretKey);
          seen.openedByAlternate = fromBinary(
            InferenceBodySchema,
            openWithSharedKey(key, sealed?.encryptedBody ?? new Uint8Array()),
          );
          yield {
            kind: { case: "started", value: { providerId: "p2", attempt: 1, hedged: true } },
          };
          yield { kind: chunk(key, "from p2") };
        }
        yield {
          kind: {
            case: "complete",
            value: { finishReason: FinishReason.STOP, usage: { completionTokens: 1 } },
          },
        };
      },
      supplyAlternate(req) {
        seen.supplies.push(req);
        supplied(req);
        return {};
      },
    }),
  );
  return { client: createClient(RoutingService, transport), seen };
}

const body = create(InferenceBodySchema, {
  model: "m",
  accountId: "acct",
  input: { case: "prompt", value: "hello" },
});
const input = (): InferenceInput => ({
  requestId: "r1",
  accountId: "acct",
  body,
  estimatedPromptTokens: 1,
  maxTokens: 8,
  stream: true,
  minTrust: TrustLevel.UNSPECIFIED,
  signal: new AbortController().signal,
});

async function collect(events: AsyncIterable<InferenceEvent>): Promise<InferenceEvent[]> {
  const out: InferenceEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}
const textOf = (events: InferenceEvent[]): string =>
  events.map((e) => (e.type === "delta" ? e.text : "")).join("");

describe("runInference (compat mode): alternates sealed on demand", () => {
  it("dispatches a body sealed to the primary only, and seals to no alternate routing does not ask for", async () => {
    const { client, seen } = fakeRouting(false);
    const events = await collect(runInference(client, input()));
    expect(textOf(events)).to.equal("from p1");
    expect(seen.infer?.alternatesOnDemand).to.equal(true);
    expect(seen.infer?.alternates).to.deep.equal([]);
    expect(seen.supplies).to.deep.equal([]);
  });

  it("answers alternate_wanted with a copy the alternate opens, then opens the alternate's chunks", async () => {
    const { client, seen } = fakeRouting(true);
    const events = await collect(runInference(client, input()));
    expect(seen.infer?.alternates).to.deep.equal([]);
    expect(seen.supplies.map((s) => [s.requestId, s.alternate?.providerId])).to.deep.equal([
      ["r1", "p2"],
    ]);
    expect(seen.openedByAlternate?.input).to.deep.equal({ case: "prompt", value: "hello" });
    // a fresh ephemeral key for the alternate's copy, not the primary's
    expect(seen.supplies[0]?.alternate?.senderPublicKey).not.to.deep.equal(
      seen.infer?.senderPublicKey,
    );
    expect(textOf(events)).to.equal("from p2");
    const started = events.filter((e) => e.type === "started");
    expect(started.at(-1)).to.include({
      providerId: "p2",
      trustLevel: TrustLevel.HARDWARE,
      keyFingerprint: "fp-p2",
    });
    expect(events.at(-1)).to.include({ type: "done" });
  });
});
