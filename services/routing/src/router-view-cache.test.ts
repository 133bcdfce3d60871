import { create } from "@bufbuild/protobuf";
import { ReserveRequestSchema, SlotState } from "@darkbloom/proto";
import { expect } from "chai";
import { ProviderRegistry } from "./registry/provider-registry.js";
import { Reservations } from "./reservations.js";
import { Router } from "./router.js";
import { MemorySessions, type FrameKind, type MemorySession } from "./testing/memory-sessions.js";

/** Heartbeat of model m: `running` sequences holding `potential` of the 10,000-token KV budget. */
const heartbeat = (running: number, potential = 0): FrameKind => ({
  case: "heartbeat",
  value: {
    slots: [
      {
        modelId: "m",
        state: running > 0 ? SlotState.RUNNING : SlotState.IDLE,
        running,
        waiting: running,
        kvCapacityTokens: 10_000n,
        maxTokensPotential: BigInt(potential),
      },
    ],
  },
});

// The router reuses a provider's view until something the view reads changes; these decisions
// would go to the wrong provider if a cached view outlived a heartbeat, a reservation, a stats
// update or a trust change.
describe("Router: cached provider views follow every change", () => {
  const sessions = new MemorySessions();
  let registry: ProviderRegistry;
  let reservations: Reservations;
  let router: Router;
  const signal = new AbortController().signal;

  beforeEach(() => {
    registry = new ProviderRegistry();
    reservations = new Reservations(60_000);
    router = new Router({ registry, reservations });
  });
  afterEach(() => sessions.closeAll());

  function provider(): MemorySession {
    const p = sessions.connect(
      {
        models: [{ id: "m", templateOk: true, contextLength: 4096 }],
        benchmarks: [{ modelId: "m", prefillTokensPerSecond: 1000, decodeTokensPerSecond: 50 }],
      },
      registry,
    );
    p.receive(heartbeat(0));
    return p;
  }

  const reserve = async (maxTokens = 100): Promise<string> =>
    (
      await router.reserve(
        create(ReserveRequestSchema, {
          requestId: `r-${Math.random()}`,
          metadata: { model: "m", estimatedPromptTokens: 100, maxTokens },
        }),
        signal,
      )
    ).providerId;

  it("follows heartbeats: the busy provider is avoided, then the other one once it gets busy", async () => {
    const a = provider();
    const b = provider();
    a.receive(heartbeat(6));
    expect(await reserve()).to.equal(b.id);
    reservations.dropProvider(b.id);
    a.receive(heartbeat(0));
    b.receive(heartbeat(6));
    expect(await reserve()).to.equal(a.id);
  });

  it("follows reservations: a budget taken by one reservation sends the next request elsewhere", async () => {
    const a = provider();
    const b = provider();
    const first = await reserve(9_000);
    const second = await reserve(9_000);
    expect(new Set([first, second])).to.deep.equal(new Set([a.id, b.id]));
  });

  it("follows trust changes: a fenced provider is dropped at the next decision", async () => {
    const a = provider();
    const b = provider();
    b.receive(heartbeat(3));
    expect(await reserve()).to.equal(a.id);
    reservations.dropProvider(a.id);
    a.session.setTrust({ ...a.session.trust, routable: false, reason: "test fence" });
    expect(await reserve()).to.equal(b.id);
  });

  it("follows observed stats: a provider that keeps timing out loses every near-tie", async () => {
    const a = provider();
    const b = provider();
    const firstPick = await reserve();
    reservations.dropProvider(firstPick);
    const loser = firstPick === a.id ? a : b;
    for (let i = 0; i < 20; i++) router.stats.recordOutcome(loser.id, "timeout");
    // Identical providers tie on score; only the reputation in a fresh view breaks it every time.
    for (let i = 0; i < 12; i++) {
      const pick = await reserve();
      expect(pick).not.to.equal(loser.id);
      reservations.dropProvider(pick);
    }
  });

  it("serves the same view object while nothing changed, and a new one after a change", () => {
    const a = provider();
    const views = () => router.viewsOf("m");
    const [first] = views();
    expect(views()[0]).to.equal(first);
    a.receive(heartbeat(1));
    expect(views()[0]).not.to.equal(first);
  });
});
