import OpenAI from "openai";
import { WebSocket, WebSocketServer } from "ws";
import { markdownTable } from "../testbed/timing/markdown.js";
import { startFakeFleet } from "../testbed/fake-fleet.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { startCoordinator } from "../testbed/testbed.js";
import { cpuSeconds } from "./bench-args.js";

export interface RelayOptions {
  /** Chunks per streamed response. */
  chunksPerRequest: number;
  /** Bytes of text per chunk. */
  chunkBytes: number;
  /** Concurrent streams (one fake provider each). */
  streams: number;
  /** Requests per stream. */
  rounds: number;
  /**
   * Unmeasured requests per stream first (and as many unmeasured echoes), so both paths are
   * measured with their code compiled rather than while the JIT warms up; default 0.
   */
  warmupRounds?: number;
}

type Row = Record<string, string | number>;

/** Chunks/s the coordinator relays (seal → open → SSE) from fake providers to OpenAI clients. */
export async function coordinatorRelay(o: RelayOptions): Promise<Row> {
  const coordinator = await startCoordinator({ LOG_LEVEL: "error" });
  const piece = "x".repeat(o.chunkBytes);
  const fleet = await startFakeFleet(coordinator.url, o.streams, [TEST_MODEL_ID], () => ({
    pieces: Array.from({ length: o.chunksPerRequest }, () => piece),
  }));
  try {
    const client = new OpenAI({
      baseURL: `${coordinator.url}/v1`,
      apiKey: coordinator.apiKey,
      maxRetries: 0,
      timeout: 120_000,
    });
    const pid = coordinator.process.child.pid ?? 0;
    let chunks = 0;
    let bytes = 0;
    const requests = (rounds: number) =>
      Promise.all(
        Array.from({ length: o.streams }, async () => {
          for (let r = 0; r < rounds; r++) {
            const stream = await client.chat.completions.create({
              model: TEST_MODEL_ID,
              messages: [{ role: "user", content: "relay" }],
              max_tokens: o.chunksPerRequest,
              stream: true,
            });
            for await (const c of stream) {
              const text = c.choices[0]?.delta.content ?? "";
              if (text) {
                chunks++;
                bytes += Buffer.byteLength(text);
              }
            }
          }
        }),
      );
    await requests(o.warmupRounds ?? 0);
    chunks = 0;
    bytes = 0;
    const cpu0 = await cpuSeconds(pid);
    const t0 = performance.now();
    await requests(o.rounds);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = (await cpuSeconds(pid)) - cpu0;
    return {
      path: "coordinator relay (NaCl box, SSE)",
      chunks,
      "chunks/s": Math.round(chunks / seconds),
      "MB/s": (bytes / seconds / 1e6).toFixed(2),
      "coordinator CPU s": cpu.toFixed(2),
      "chunks per CPU-s": Math.round(chunks / Math.max(cpu, 0.01)),
    };
  } finally {
    await Promise.all(fleet.map((f) => f.close()));
    await coordinator.stop();
  }
}

/** The ceiling: a raw WebSocket echo on loopback, same message size and count, no crypto. */
export async function rawEcho(o: RelayOptions): Promise<Row> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  server.on("connection", (s) => s.on("message", (m, binary) => s.send(m, { binary })));
  await new Promise<void>((r) => server.once("listening", () => r()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const payload = Buffer.alloc(o.chunkBytes, 120);
  const echoes = (perSocket: number) =>
    Promise.all(
      Array.from({ length: o.streams }, async () => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}`);
        await new Promise<void>((r, j) => {
          ws.once("open", () => r());
          ws.once("error", j);
        });
        await new Promise<void>((resolve) => {
          let got = 0;
          ws.on("message", () => {
            if (++got === perSocket) resolve();
          });
          for (let i = 0; i < perSocket; i++) ws.send(payload);
        });
        await new Promise<void>((r) => {
          ws.once("close", () => r());
          ws.close();
        });
      }),
    );
  if (o.warmupRounds) await echoes(o.chunksPerRequest * o.warmupRounds);
  const perSocket = o.chunksPerRequest * o.rounds;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await echoes(perSocket);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  await new Promise<void>((r) => server.close(() => r()));
  const chunks = perSocket * o.streams;
  return {
    path: "raw WebSocket echo (ceiling)",
    chunks,
    "chunks/s": Math.round(chunks / seconds),
    "MB/s": ((chunks * o.chunkBytes) / seconds / 1e6).toFixed(2),
    "coordinator CPU s": `${cpuS.toFixed(2)} (echo process)`,
    "chunks per CPU-s": Math.round(chunks / Math.max(cpuS, 0.01)),
  };
}

export async function relayThroughput(o: RelayOptions): Promise<string> {
  const rows = [await coordinatorRelay(o), await rawEcho(o)];
  return (
    `Relay throughput: ${o.streams} streams × ${o.rounds} requests × ${o.chunksPerRequest} chunks of ${o.chunkBytes} B` +
    (o.warmupRounds
      ? `, measured after ${o.warmupRounds} unmeasured request(s) per stream (JIT warm-up)`
      : "") +
    "\n\n" +
    markdownTable(rows)
  );
}
