// Routing decision latency (profile `ours`: filters → scorers → picker) at fleets of 10 to 10,000
// providers, and heartbeat ingest (frames/s) at 1,000 providers over real WebSockets.
// Run: npx tsx bench/routing-decision.ts
import http from "node:http";
import { create } from "@bufbuild/protobuf";
import { answerKeyProof, generateKeyPair } from "@darkbloom/crypto";
import { decodeFrame, encodeFrame } from "@darkbloom/frames";
import {
  ProviderFrameSchema,
  ReserveRequestSchema,
  SlotState,
  ThermalState,
  TrustLevel,
} from "@darkbloom/proto";
import {
  ProviderGateway,
  ProviderRegistry,
  Reservations,
  PREFIX_BLOCK_TOKENS,
  Router,
  Scheduler,
  resolveProfile,
  type ProviderView,
  type RouteRequest,
} from "@darkbloom/routing";
import { createLogger, createMetricsRegistry } from "@darkbloom/telemetry";
import WebSocket from "ws";

const FLEETS = [10, 100, 1_000, 10_000] as const;
const MODEL = "llama-3.1-8b-q4";

function syntheticView(i: number): ProviderView {
  const prefix = new Set(Array.from({ length: 64 }, (_, k) => `sys${i % 6}-b${k}`));
  const running = i % 7;
  return {
    id: `p${i}`,
    trustLevel: TrustLevel.SOFTWARE,
    routable: true,
    models: new Map([
      [
        MODEL,
        {
          templateOk: true,
          sizeBytes: 4e9,
          contextLength: 8192,
          quantization: "q4",
          fenced: false,
        },
      ],
    ]),
    slots: new Map([
      [
        MODEL,
        {
          state: SlotState.RUNNING,
          running,
          waiting: i % 3,
          activeTokens: 0,
          maxTokensPotential: running * 1500,
          kvCapacityTokens: 32_768,
          prefixHashes: prefix,
        },
      ],
    ]),
    unseenRequests: () => i % 2,
    unseenTokens: () => (i % 2) * 1500,
    inFlight: running,
    memoryPressure: (i % 10) / 10,
    cpuUsage: (i % 5) / 5,
    thermal: ThermalState.NOMINAL,
    prefillTps: () => 400 + (i % 4) * 600,
    decodeTps: () => 20 + (i % 4) * 15,
    reputation: 0.9,
  };
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

console.log("| providers | decisions | p50 µs | p99 µs | decisions/s |");
console.log("|---:|---:|---:|---:|---:|");
for (const n of FLEETS) {
  const views = Array.from({ length: n }, (_, i) => syntheticView(i));
  const scheduler = new Scheduler(resolveProfile("ours"));
  const req: RouteRequest = {
    model: MODEL,
    promptTokens: 1800,
    maxTokens: 512,
    minTrust: TrustLevel.UNSPECIFIED,
    prefixHashes: Array.from({ length: 6 }, (_, k) => `sys3-b${k}`),
    prefixBlockTokens: PREFIX_BLOCK_TOKENS,
    quantizations: [],
  };
  const decisions = Math.max(50, Math.min(20_000, Math.floor(2_000_000 / n)));
  for (let w = 0; w < Math.min(200, decisions); w++) scheduler.decide(req, views, 3);
  const times: number[] = [];
  const started = performance.now();
  for (let d = 0; d < decisions; d++) {
    const t = performance.now();
    scheduler.decide(req, views, 3);
    times.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  console.log(
    `| ${n} | ${decisions} | ${(pct(times, 50) * 1000).toFixed(1)} | ${(pct(times, 99) * 1000).toFixed(1)} | ${(decisions / seconds).toFixed(0)} |`,
  );
}

// Heartbeat ingest: 1,000 registered providers over real sockets, each sending HEARTBEATS frames.
const PROVIDERS = 1_000;
const HEARTBEATS = 20;
const registry = new ProviderRegistry();
const gateway = new ProviderGateway(
  registry,
  {
    path: "/ws",
    registerTimeoutMs: 60_000,
    probeTimeoutMs: 500,
    heartbeatIntervalMs: 60_000,
    livenessTimeoutMs: 600_000,
    writeTimeoutMs: 60_000,
    maxFrameBytes: 1 << 20,
  },
  createMetricsRegistry({ defaultMetrics: false }),
  createLogger({ level: "error" }),
  () => undefined,
);
const server = http.createServer();
server.on("upgrade", (req, socket, head: Buffer) => {
  if (!gateway.handleUpgrade(req, socket, head)) socket.destroy();
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/ws`;
let ingested = 0;
registry.listen({ capacityChanged: () => ingested++ });
const sockets: WebSocket[] = [];
try {
  for (let i = 0; i < PROVIDERS; i++) {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const keys = generateKeyPair();
    // answer the gateway's key proof (the provider holds the key it announces)
    ws.on("message", (data: Buffer) => {
      const decoded = decodeFrame(new Uint8Array(data));
      if (!decoded.ok || decoded.frame.kind.case !== "keyProofChallenge") return;
      const secret = answerKeyProof(decoded.frame.kind.value, keys.secretKey) ?? new Uint8Array();
      ws.send(
        encodeFrame(create(ProviderFrameSchema, { kind: { case: "keyProof", value: { secret } } })),
      );
    });
    ws.send(
      encodeFrame(
        create(ProviderFrameSchema, {
          kind: {
            case: "register",
            value: {
              version: "bench",
              models: [{ id: MODEL, templateOk: true }],
              encryptionPublicKey: keys.publicKey,
            },
          },
        }),
      ),
    );
    sockets.push(ws);
  }
  while (registry.size < PROVIDERS) await new Promise((r) => setTimeout(r, 10));
  const heartbeat = encodeFrame(
    create(ProviderFrameSchema, {
      kind: {
        case: "heartbeat",
        value: {
          slots: [
            {
              modelId: MODEL,
              state: SlotState.RUNNING,
              running: 3,
              waiting: 1,
              activeTokens: 4000n,
              maxTokensPotential: 6000n,
              kvCapacityTokens: 32_768n,
              prefixBlockHashes: Array.from({ length: 32 }, () => new Uint8Array(16)),
            },
          ],
          memoryPressure: 0.3,
          cpuUsage: 0.4,
          thermal: ThermalState.NOMINAL,
        },
      },
    }),
  );
  ingested = 0;
  const started = performance.now();
  for (let k = 0; k < HEARTBEATS; k++) for (const ws of sockets) ws.send(heartbeat);
  while (ingested < PROVIDERS * HEARTBEATS) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - started) / 1000;
  console.log("");
  console.log("| providers | heartbeat frames | seconds | frames/s (decoded + registry updated) |");
  console.log("|---:|---:|---:|---:|");
  console.log(
    `| ${PROVIDERS} | ${PROVIDERS * HEARTBEATS} | ${seconds.toFixed(2)} | ${((PROVIDERS * HEARTBEATS) / seconds).toFixed(0)} |`,
  );

  // The production decision path over the same live sessions: Router.reserve (views from the
  // sessions, cached until they change) then take, so reservations do not pile up. Every provider
  // sent the same heartbeat: all tie, the worst case for pruning.
  const reservations = new Reservations(60_000);
  const router = new Router({ registry, reservations });
  const signal = new AbortController().signal;
  const reserveUs: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const t0 = performance.now();
    const r = await router.reserve(
      create(ReserveRequestSchema, {
        requestId: `bench-${i}`,
        metadata: { model: MODEL, estimatedPromptTokens: 800, maxTokens: 256 },
      }),
      signal,
    );
    reserveUs.push((performance.now() - t0) * 1000);
    reservations.take(r.id);
  }
  reserveUs.sort((a, b) => a - b);
  console.log("");
  console.log("| live sessions | Router.reserve calls | p50 µs | p99 µs |");
  console.log("|---:|---:|---:|---:|");
  console.log(
    `| ${PROVIDERS} | ${reserveUs.length} | ${pct(reserveUs, 50).toFixed(1)} | ${pct(reserveUs, 99).toFixed(1)} |`,
  );
} finally {
  for (const ws of sockets) ws.terminate();
  gateway.close();
  server.closeAllConnections();
  server.close();
}
