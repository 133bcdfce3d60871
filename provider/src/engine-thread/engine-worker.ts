// The engine thread: loads one model and runs its MlxEngine here, so MLX's long synchronous
// forward passes never block the daemon's event loop (heartbeats, cancels, GoAway, pings).
// Started by worker-engine.ts through engine-worker-boot.mjs; talks protocol.ts messages.
import { fromBinary } from "@bufbuild/protobuf";
import { InferenceBodySchema } from "@darkbloom/proto";
import { parentPort, workerData } from "node:worker_threads";
import { EngineError, loadModel, type MlxEngine } from "../engine/index.js";
import { useMlxBinary } from "../engine/mlx-backend/mlx.js";
import type { EngineWorkerData, FromEngine, ToEngine, WireError } from "./protocol.js";

/** How often the daemon's mirror of capacity() is refreshed (between engine steps). */
const STATE_INTERVAL_MS = 50;

const port = parentPort;
if (!port) throw new Error("engine-worker.ts runs only as a worker thread");
const post = (m: FromEngine): void => port.postMessage(m);

function wireError(err: unknown): WireError {
  return err instanceof EngineError
    ? { code: err.code, message: err.message }
    : { code: undefined, message: err instanceof Error ? err.message : String(err) };
}

const data = workerData as EngineWorkerData;
let engine: MlxEngine;
try {
  if (data.mlxBinary) useMlxBinary(data.mlxBinary);
  engine = await loadModel(data.dir, data.options);
} catch (err) {
  post({ type: "load-failed", error: wireError(err) });
  process.exit(0);
}
const live = engine;
const requests = new Map<number, AbortController>();
let lastState = "";
let lastGenerateId = 0;

function postState(): void {
  const state = {
    capacity: live.capacity(),
    prefilledTokens: live.prefilledTokens,
    lastGenerateId,
  };
  const key = JSON.stringify(state, (_k, v: unknown) =>
    v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v,
  );
  if (key === lastState) return;
  lastState = key;
  post({ type: "state", state });
}
const stateTimer = setInterval(postState, STATE_INTERVAL_MS);

function generate(id: number, bytes: Uint8Array): void {
  const controller = new AbortController();
  requests.set(id, controller);
  lastGenerateId = id;
  live
    .generate(
      fromBinary(InferenceBodySchema, bytes),
      (delta) => post({ type: "delta", id, delta }),
      controller.signal,
    )
    .then(
      (result) => post({ type: "done", id, result }),
      (err: unknown) => post({ type: "failed", id, error: wireError(err) }),
    )
    .finally(() => {
      requests.delete(id);
      postState();
    });
  postState();
}

port.on("message", (m: ToEngine) => {
  switch (m.type) {
    case "generate":
      return generate(m.id, m.body);
    case "cancel":
      return requests.get(m.id)?.abort();
    case "close":
      clearInterval(stateTimer);
      live.close();
      // After the cancelled requests' "done" messages (their promises settle first).
      setImmediate(() => {
        post({ type: "closed" });
        port.close();
      });
      return;
  }
});

post({
  type: "loaded",
  modelId: live.modelId,
  contextLength: live.contextLength,
  kvBytesPerToken: live.kvBytesPerToken,
  selfCheck: live.templateSelfCheck(),
});
