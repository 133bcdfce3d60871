import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { generateKeyPair } from "@darkbloom/crypto";
import { encodeFrame } from "@darkbloom/frames";
import { ProviderFrameSchema, ReserveRequestSchema, SlotState } from "@darkbloom/proto";
import { createLogger, createMetricsRegistry } from "@darkbloom/telemetry";
import { expect } from "chai";
import { createGatewayMetrics } from "./gateway/gateway-metrics.js";
import { ProviderSession } from "./gateway/provider-session.js";
import { ProviderRegistry } from "./registry/provider-registry.js";
import { Reservations } from "./reservations.js";
import { Router } from "./router.js";
import { FakeSocket } from "./testing/fake-socket.js";

const frame = (kind: MessageInitShape<typeof ProviderFrameSchema>["kind"]): Uint8Array =>
  encodeFrame(create(ProviderFrameSchema, { kind }));

describe("Router.reserve with provider.sort", () => {
  const log = createLogger({ level: "error" });
  const metrics = createGatewayMetrics(createMetricsRegistry({ defaultMetrics: false }));
  let sockets: FakeSocket[] = [];
  afterEach(() => {
    for (const s of sockets) s.terminate();
    sockets = [];
  });

  /** A registered provider of `m` with a warm, empty slot and the given benchmark. */
  function provider(registry: ProviderRegistry, prefillTps: number, decodeTps: number): string {
    const socket = new FakeSocket();
    sockets.push(socket);
    const session = new ProviderSession(
      `c${sockets.length}`,
      socket.asWebSocket(),
      {
        registerTimeoutMs: 60_000,
        heartbeatIntervalMs: 60_000,
        livenessTimeoutMs: 60_000,
        writeTimeoutMs: 60_000,
        maxFrameBytes: 1 << 20,
      },
      {
        onRegistered: (s) => registry.add(s),
        onClosed: (s) => registry.remove(s),
        onCapacityChanged: (s) => registry.capacityChanged(s),
        onLoadModelStatus: (s, st) => registry.loadModelStatus(s, st),
      },
      metrics,
      log,
    );
    socket.receive(
      frame({
        case: "register",
        value: {
          version: "t",
          models: [{ id: "m", templateOk: true, contextLength: 8192 }],
          encryptionPublicKey: generateKeyPair().publicKey,
          benchmarks: [
            { modelId: "m", prefillTokensPerSecond: prefillTps, decodeTokensPerSecond: decodeTps },
          ],
        },
      }),
    );
    socket.receive(
      frame({
        case: "heartbeat",
        value: { slots: [{ modelId: "m", state: SlotState.IDLE, kvCapacityTokens: 100_000n }] },
      }),
    );
    return session.id;
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
