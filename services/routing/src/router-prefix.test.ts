import { create } from "@bufbuild/protobuf";
import { ReserveRequestSchema, SlotState } from "@darkbloom/proto";
import { expect } from "chai";
import { ProviderRegistry } from "./registry/provider-registry.js";
import { Reservations } from "./reservations.js";
import { Router } from "./router.js";
import { MemorySessions } from "./testing/memory-sessions.js";

describe("Router.reserve with prefix hashes from the edge", () => {
  const sessions = new MemorySessions();
  afterEach(() => sessions.closeAll());

  const block = new Uint8Array(16).fill(7);

  function provider(registry: ProviderRegistry, holds: boolean): string {
    const p = sessions.connect(
      {
        models: [{ id: "m", templateOk: true, contextLength: 8192 }],
        benchmarks: [{ modelId: "m", prefillTokensPerSecond: 1000, decodeTokensPerSecond: 50 }],
      },
      registry,
    );
    const prefixBlockHashes = holds ? [block] : [];
    p.receive({
      case: "heartbeat",
      value: {
        slots: [
          { modelId: "m", state: SlotState.IDLE, kvCapacityTokens: 100_000n, prefixBlockHashes },
        ],
      },
    });
    return p.id;
  }

  it("counts a held 1,024-byte block as 1,024 of the estimate's tokens: the holder wins though it decodes at half its benchmark", async () => {
    const registry = new ProviderRegistry();
    const router = new Router({ registry, reservations: new Reservations(60_000) });
    const holder = provider(registry, true);
    const other = provider(registry, false);
    // The holder looks half as fast (so half the prefill speed); the other runs at its benchmark.
    router.stats.recordDecode(holder, "m", 100, 4000);
    router.stats.recordDecode(other, "m", 200, 4000);
    // The edge estimates one token per byte: a 1,380-byte prompt, its first 1,024 bytes held.
    // Holder: 356 tokens at 500/s = 712 ms; other: 1,380 at 1,000/s = 1,380 ms. (Crediting only
    // 256 tokens for the block would make it 2,248 ms against 1,380 and send it to the other.)
    const reservation = await router.reserve(
      create(ReserveRequestSchema, {
        requestId: "r",
        metadata: {
          model: "m",
          estimatedPromptTokens: 1380,
          maxTokens: 4,
          prefixBlockHashes: [block],
        },
      }),
      new AbortController().signal,
    );
    expect(reservation.providerId).to.equal(holder);
  });
});
