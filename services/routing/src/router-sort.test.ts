import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ReserveRequestSchema, SlotState } from "@darkbloom/proto";
import { expect } from "chai";
import { ProviderRegistry } from "./registry/provider-registry.js";
import { Reservations } from "./reservations.js";
import { Router } from "./router.js";
import { MemorySessions } from "./testing/memory-sessions.js";

describe("Router.reserve with provider.sort", () => {
  const sessions = new MemorySessions();
  afterEach(() => sessions.closeAll());

  /** A registered provider of `m` with a warm, empty slot and the given benchmark. */
  function provider(registry: ProviderRegistry, prefillTps: number, decodeTps: number): string {
    const p = sessions.connect(
      {
        models: [{ id: "m", templateOk: true, contextLength: 8192 }],
        benchmarks: [
          { modelId: "m", prefillTokensPerSecond: prefillTps, decodeTokensPerSecond: decodeTps },
        ],
      },
      registry,
    );
    p.receive({
      case: "heartbeat",
      value: { slots: [{ modelId: "m", state: SlotState.IDLE, kvCapacityTokens: 100_000n }] },
    });
    return p.id;
  }

  /** A fresh fleet per decision (a reservation counts against its provider afterwards). */
  async function pick(sort: string): Promise<string> {
    const registry = new ProviderRegistry();
    const router = new Router({ registry, reservations: new Reservations(60_000) });
    // 1,000 prompt tokens: quick prefills 500 ms, reliable 526 ms (a near-tie), fast-decode 5 s.
    const names = new Map([
      [provider(registry, 2000, 20), "quick"],
      [provider(registry, 1900, 20), "reliable"],
      [provider(registry, 200, 100), "fast-decode"],
    ]);
    const reliable = [...names].find(([, n]) => n === "reliable")?.[0] ?? "";
    for (let i = 0; i < 50; i++) router.stats.recordOutcome(reliable, "ok");
    const reservation = await router.reserve(
      create(ReserveRequestSchema, {
        requestId: `r-${sort}`,
        metadata: { model: "m", estimatedPromptTokens: 1000, maxTokens: 100 },
        sort,
      }),
      new AbortController().signal,
    );
    return names.get(reservation.providerId) ?? reservation.providerId;
  }

  it("default, latency and throughput pick three different providers; price keeps the default", async () => {
    expect(await pick("")).to.equal("reliable");
    expect(await pick("price")).to.equal("reliable");
    expect(await pick("latency")).to.equal("quick");
    expect(await pick("throughput")).to.equal("fast-decode");
  });

  it("refuses an unknown sort with InvalidArgument", async () => {
    const registry = new ProviderRegistry();
    const router = new Router({ registry, reservations: new Reservations(60_000) });
    provider(registry, 1000, 20);
    const err = await router
      .reserve(
        create(ReserveRequestSchema, {
          requestId: "r",
          metadata: { model: "m", estimatedPromptTokens: 10, maxTokens: 10 },
          sort: "cheapest",
        }),
        new AbortController().signal,
      )
      .catch((e: unknown) => e);
    expect(ConnectError.from(err).code).to.equal(Code.InvalidArgument);
  });
});
