import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ReserveRequestSchema, SlotState, TrustLevel } from "@darkbloom/proto";
import { UNATTESTED, type SessionTrust } from "@darkbloom/session-trust";
import { expect } from "chai";
import { ProviderRegistry } from "./registry/provider-registry.js";
import { Reservations } from "./reservations.js";
import { Router } from "./router.js";
import { MemorySessions, type MemorySession } from "./testing/memory-sessions.js";

describe("Router: a provider that drops out and reconnects", () => {
  const sessions = new MemorySessions();
  let registry: ProviderRegistry;
  let router: Router;
  const signal = new AbortController().signal;

  /** A router on the suite's registry; the queue is rechecked every `recheckIntervalMs`. */
  const makeRouter = (
    reconnectGraceMs: number,
    queue: { timeoutMs: number; recheckIntervalMs: number },
  ): Router =>
    new Router({
      registry,
      reservations: new Reservations(60_000),
      options: { reconnectGraceMs, queue: { ...queue, maxDepthPerModel: 8 } },
    });

  beforeEach(() => {
    registry = new ProviderRegistry();
    router = makeRouter(300, { timeoutMs: 5_000, recheckIntervalMs: 20 });
  });
  afterEach(() => {
    router.queue.close();
    sessions.closeAll();
  });

  const connect = (trust?: SessionTrust): MemorySession => {
    const p = sessions.connect(
      { models: [{ id: "m", templateOk: true, contextLength: 4096 }] },
      registry,
      trust,
    );
    p.receive({
      case: "heartbeat",
      value: { slots: [{ modelId: "m", state: SlotState.IDLE, kvCapacityTokens: 10_000n }] },
    });
    return p;
  };
  const reserve = (model = "m") =>
    router.reserve(
      create(ReserveRequestSchema, {
        requestId: `r-${Math.random()}`,
        metadata: { model, estimatedPromptTokens: 10, maxTokens: 10 },
      }),
      signal,
    );

  it("queues a request while its model's provider is briefly gone and serves it once it is back", async () => {
    const first = connect();
    first.session.close("network blip");
    expect(registry.size).to.equal(0);
    const pending = reserve();
    await new Promise((r) => setTimeout(r, 50));
    const back = connect();
    expect((await pending).providerId).to.equal(back.id);
  });

  it("answers NotFound once the grace has passed without a provider, and at once for an unknown model", async () => {
    const gone = connect();
    gone.session.close("shut down");
    const err = await reserve().catch((e: unknown) => ConnectError.from(e));
    expect(err).to.be.instanceOf(ConnectError);
    expect((err as ConnectError).code).to.equal(Code.NotFound);
    const unknown = await reserve("never-served").catch((e: unknown) => ConnectError.from(e));
    expect((unknown as ConnectError).code).to.equal(Code.NotFound);
  });

  /** The trust a freshly started replica's attestation gives while it looks the weights up. */
  const checking: SessionTrust = {
    ...UNATTESTED,
    fencedModels: new Set(["m"]),
    pendingModels: new Set(["m"]),
    reason: "untrusted weights: m",
  };
  const refused: SessionTrust = { ...UNATTESTED, fencedModels: new Set(["m"]) };
  /** No periodic recheck: only an event (a registration, a trust change) admits a queued request. */
  const eventsOnly = (): void => {
    router.queue.close();
    router = makeRouter(300, { timeoutMs: 5_000, recheckIntervalMs: 60_000 });
  };

  it("waits while the only provider here is fenced by a registry check in progress, and serves it once the check passes", async () => {
    eventsOnly();
    connect().session.close("moved to another replica");
    const back = connect(checking);
    const pending = reserve();
    await new Promise((r) => setTimeout(r, 50));
    back.session.setTrust(UNATTESTED);
    expect((await pending).providerId).to.equal(back.id);
  });

  it("waits for the first provider of a model while its registry check runs (nothing seen before)", async () => {
    eventsOnly();
    const first = connect(checking);
    const pending = reserve();
    await new Promise((r) => setTimeout(r, 50));
    first.session.setTrust(UNATTESTED);
    expect((await pending).providerId).to.equal(first.id);
  });

  it("answers NotFound at once when the only provider's weights are refused and none served the model", async () => {
    eventsOnly();
    connect(refused);
    const err = await reserve().catch((e: unknown) => ConnectError.from(e));
    expect((err as ConnectError).code).to.equal(Code.NotFound);
  });

  it("waits within the grace when the provider that served the model left and only a fenced one is here", async () => {
    eventsOnly();
    connect(refused);
    connect().session.close("network blip");
    const pending = reserve();
    await new Promise((r) => setTimeout(r, 50));
    const back = connect();
    expect((await pending).providerId).to.equal(back.id);
  });

  it("refuses at once when providers are here but none qualifies (no waiting for a reconnect)", async () => {
    // A grace far longer than the queue timeout: waiting for a reconnect would end in a queue
    // timeout (ResourceExhausted), not in the trust refusal.
    router.queue.close();
    router = makeRouter(60_000, { timeoutMs: 1_000, recheckIntervalMs: 20 });
    connect();
    const err = await router
      .reserve(
        create(ReserveRequestSchema, {
          requestId: "r-trust",
          metadata: { model: "m", estimatedPromptTokens: 10, maxTokens: 10 },
          minTrust: TrustLevel.HARDWARE_MDA,
        }),
        signal,
      )
      .catch((e: unknown) => ConnectError.from(e));
    expect((err as ConnectError).code).to.equal(Code.FailedPrecondition);
  });
});
