import { create } from "@bufbuild/protobuf";
import {
  ForwardInferResponseSchema,
  RegisterSchema,
  RoutingMetadataSchema,
  type ForwardInferResponse,
  type InferResponse,
} from "@darkbloom/proto";
import { createLogger } from "@darkbloom/telemetry";
import { expect } from "chai";
import { UNATTESTED } from "@darkbloom/session-trust";
import type { PeerLink } from "../peers/peer-link.js";
import { RemoteProvider, type RemoteState } from "../peers/remote-provider.js";
import { ProviderRegistry } from "../registry/provider-registry.js";
import { ProviderStats } from "../stats/provider-stats.js";
import { DEFAULT_HEDGE } from "./hedge-delay.js";
import { hedgedRelay } from "./hedged-relay.js";

const log = createLogger({ level: "error" });

/** A peer link whose owner answers with `chunks` chunks and Complete, or cannot be reached. */
function link(reachable: boolean, chunks = 1): PeerLink {
  return {
    async *forward(_peer, req): AsyncIterable<ForwardInferResponse> {
      await Promise.resolve();
      if (!reachable) throw new Error("connect ECONNREFUSED");
      const requestId = req.request?.requestId ?? "";
      for (let sequence = 0; sequence < chunks; sequence++)
        yield create(ForwardInferResponseSchema, {
          event: { kind: { case: "chunk", value: { requestId, sequence, tokenCount: 1 } } },
        });
      yield create(ForwardInferResponseSchema, {
        event: { kind: { case: "complete", value: { requestId, usage: { completionTokens: 1 } } } },
      });
    },
    inferReserved: () => {
      throw new Error("not used");
    },
    sendFrame: () => Promise.resolve(true),
  };
}

const stateOn = (replicaId: string): RemoteState => ({
  owner: { replicaId, url: `http://${replicaId}.test:1` },
  register: create(RegisterSchema, { models: [{ id: "m", templateOk: true }] }),
  heartbeat: undefined,
  heartbeatAtMs: 0,
  registeredAtMs: 1,
  trust: UNATTESTED,
  operatorAccountId: "",
  inFlight: 0,
});

async function run(
  registry: ProviderRegistry,
  relocateWaitMs: number,
  batchChunks = false,
): Promise<InferResponse[]> {
  const events: InferResponse[] = [];
  const relay = hedgedRelay(
    {
      registry,
      stats: new ProviderStats(),
      hedge: { ...DEFAULT_HEDGE, enabled: false },
      hasRoom: () => true,
      relocateWaitMs,
      batchChunks,
    },
    "r1",
    create(RoutingMetadataSchema, { model: "m", maxTokens: 64 }),
    [
      {
        providerId: "p1",
        copy: { senderPublicKey: new Uint8Array(32), encryptedBody: new Uint8Array(64) },
      },
    ],
    new AbortController().signal,
  );
  for await (const e of relay) events.push(e);
  return events;
}

describe("hedgedRelay: a provider that moved to another replica", () => {
  it("runs the request again on the provider's new replica when its old one cannot be reached", async () => {
    const registry = new ProviderRegistry();
    registry.add(new RemoteProvider("p1", stateOn("b"), link(false), "a", () => undefined, log));
    const events = run(registry, 10_000);
    // presence lists the provider at its new replica a moment later
    setTimeout(() => {
      registry.add(new RemoteProvider("p1", stateOn("c"), link(true), "a", () => undefined, log));
    }, 100);
    const kinds = (await events).map((e) => e.kind.case);
    expect(kinds).to.deep.equal(["started", "started", "chunk", "complete"]);
  });

  it("fails with the last error once the wait is over and the provider is nowhere", async () => {
    const registry = new ProviderRegistry();
    registry.add(new RemoteProvider("p1", stateOn("b"), link(false), "a", () => undefined, log));
    const events = await run(registry, 200);
    const last = events.at(-1);
    expect(last?.kind.case === "error" && last.kind.value.statusCode).to.equal(502);
  });
});

describe("hedgedRelay: chunks queued together", () => {
  const sequences = (events: InferResponse[]): number[] =>
    events.flatMap((e) =>
      e.kind.case === "chunk"
        ? [e.kind.value.sequence]
        : e.kind.case === "chunks"
          ? e.kind.value.chunks.map((c) => c.sequence)
          : [],
    );

  it("sends them as one chunks event when asked, in order, else one chunk event each", async () => {
    for (const batchChunks of [true, false]) {
      const registry = new ProviderRegistry();
      registry.add(
        new RemoteProvider("p1", stateOn("b"), link(true, 20), "a", () => undefined, log),
      );
      const events = await run(registry, 1_000, batchChunks);
      const kinds = new Set(events.map((e) => e.kind.case));
      expect(kinds.has("chunks"), `batchChunks ${batchChunks}`).to.equal(batchChunks);
      expect(sequences(events)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
      expect(events.at(-1)?.kind.case).to.equal("complete");
    }
  });
});
