import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { generateKeyPair, publicKeyFromSecret } from "@darkbloom/crypto";
import { encodeFrame } from "@darkbloom/frames";
import { ProviderFrameSchema, ReserveRequestSchema, SlotState } from "@darkbloom/proto";
import { createLogger, createMetricsRegistry } from "@darkbloom/telemetry";
import { expect } from "chai";
import { createGatewayMetrics } from "../gateway/gateway-metrics.js";
import { ProviderSession } from "../gateway/provider-session.js";
import { Reservations } from "../reservations.js";
import { Router } from "../router.js";
import { FakeSocket } from "../testing/fake-socket.js";
import { registerWithProof } from "../testing/memory-sessions.js";
import { WarmPoolController } from "../warm-pool/warm-pool-controller.js";
import { ProviderRegistry } from "./provider-registry.js";

const frame = (kind: MessageInitShape<typeof ProviderFrameSchema>["kind"]): Uint8Array =>
  encodeFrame(create(ProviderFrameSchema, { kind }));

describe("ProviderRegistry lifecycle", () => {
  it("clears every per-provider structure on disconnect (2,000 connect/disconnect cycles leave nothing)", async function () {
    this.timeout(60_000);
    const registry = new ProviderRegistry();
    const reservations = new Reservations(60_000);
    const router = new Router({ registry, reservations });
    const log = createLogger({ level: "error" });
    const warmPool = new WarmPoolController(registry, log);
    warmPool.setPolicy([
      { model: "tiny", minWarm: 1, maxWarm: 0, targetUtilizationPercent: 0, maxLoadsPerMinute: 0 },
    ]);
    const metrics = createGatewayMetrics(createMetricsRegistry({ defaultMetrics: false }));
    const options = {
      registerTimeoutMs: 60_000,
      heartbeatIntervalMs: 60_000,
      livenessTimeoutMs: 60_000,
      writeTimeoutMs: 60_000,
      maxFrameBytes: 1 << 20,
    };
    const keys = generateKeyPair();
    const key = new Uint8Array(32);
    const register = (): Uint8Array =>
      frame({
        case: "register",
        value: {
          version: "t",
          models: [{ id: "tiny", templateOk: true, contextLength: 2048 }],
          encryptionPublicKey: key,
          hardware: { memoryGb: 64 },
        },
      });
    const heartbeat = frame({
      case: "heartbeat",
      value: { slots: [{ modelId: "tiny", state: SlotState.IDLE, kvCapacityTokens: 100_000n }] },
    });
    const controller = new AbortController();

    for (let i = 0; i < 2_000; i++) {
      // Keys are per provider; rotate one byte so each cycle is a new provider id.
      keys.secretKey[0] = i % 256;
      keys.secretKey[1] = Math.floor(i / 256) % 256;
      key.set(publicKeyFromSecret(keys.secretKey));
      const socket = new FakeSocket();
      const session = new ProviderSession(
        `c${i}`,
        socket.asWebSocket(),
        options,
        {
          onRegistered: (s) => registry.add(s),
          onClosed: (s) => registry.remove(s),
          onCapacityChanged: (s) => registry.capacityChanged(s),
          onLoadModelStatus: (s, st) => registry.loadModelStatus(s, st),
        },
        metrics,
        log,
      );
      registerWithProof(socket, register(), keys.secretKey);
      socket.receive(heartbeat);
      await router.reserve(
        create(ReserveRequestSchema, {
          requestId: `r${i}`,
          metadata: { model: "tiny", estimatedPromptTokens: 10, maxTokens: 10 },
        }),
        controller.signal,
      );
      router.stats.recordOutcome(session.id, "ok");
      router.stats.recordDecode(session.id, "tiny", 10, 100);
      expect(registry.size).to.equal(1);
      socket.terminate();
    }

    expect(registry.size).to.equal(0);
    expect(registry.indexedModels).to.equal(0);
    expect(reservations.size).to.equal(0);
    expect(reservations.providerCount).to.equal(0);
    expect(router.stats.providerCount).to.equal(0);
    expect(router.queue.models).to.equal(0);
    expect(warmPool.trackedProviders).to.equal(0);
    warmPool.close();
  });
});
