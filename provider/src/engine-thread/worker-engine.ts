// A ModelEngine whose MlxEngine runs on its own thread (engine-worker.ts): the daemon's event
// loop stays free while MLX evaluates, so heartbeats, cancels, GoAway and pings go out on time
// however long a forward pass takes. capacity() and prefilledTokens mirror the engine thread's
// latest report.
import { toBinary } from "@bufbuild/protobuf";
import { type InferenceBody, InferenceBodySchema } from "@darkbloom/proto";
import { Worker } from "node:worker_threads";
import {
  EngineError,
  type GenerationDelta,
  type GenerationResult,
  type LoadModelOptions,
  type ModelEngine,
  type SelfCheckResult,
  type SlotSnapshot,
} from "../engine/index.js";
import { mlxBinaryPath } from "../engine/mlx-backend/mlx.js";
import type { EngineState, EngineWorkerData, FromEngine, ToEngine, WireError } from "./protocol.js";

interface Pending {
  onDelta: (delta: GenerationDelta) => void;
  resolve: (r: GenerationResult) => void;
  reject: (err: unknown) => void;
  promptTokens: number;
  generated: number;
  detach: () => void;
}

function engineError(e: WireError): Error {
  return e.code ? new EngineError(e.code, e.message) : new Error(e.message);
}

export class WorkerEngine implements ModelEngine {
  readonly modelId: string;
  readonly contextLength: number;
  readonly kvBytesPerToken: number;
  readonly #selfCheck: SelfCheckResult;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #exited: Promise<void>;
  #state: EngineState;
  #nextId = 1;
  #closing = false;

  private constructor(
    worker: Worker,
    loaded: Extract<FromEngine, { type: "loaded" }>,
    exited: Promise<void>,
  ) {
    this.#worker = worker;
    this.modelId = loaded.modelId;
    this.contextLength = loaded.contextLength;
    this.kvBytesPerToken = loaded.kvBytesPerToken;
    this.#selfCheck = loaded.selfCheck;
    this.#exited = exited;
    this.#state = {
      capacity: {
        modelId: loaded.modelId,
        running: 0,
        waiting: 0,
        activeTokens: 0,
        maxTokensPotential: 0,
        prefixBlockHashes: [],
      },
      prefilledTokens: 0,
      lastGenerateId: 0,
    };
    worker.on("message", (m: FromEngine) => this.#onMessage(m));
    void exited.then(() => this.#onExit());
  }

  /** Starts the engine thread and resolves once it has loaded the model. */
  static async load(dir: string, options: LoadModelOptions = {}): Promise<WorkerEngine> {
    const data: EngineWorkerData = { dir, options, mlxBinary: mlxBinaryPath() };
    const worker = new Worker(new URL("./engine-worker-boot.mjs", import.meta.url), {
      workerData: data,
    });
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    const first = await new Promise<FromEngine>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      void exited.then(() =>
        reject(new EngineError("load_failed", `engine thread for ${dir} exited while loading`)),
      );
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err instanceof EngineError
        ? err
        : new EngineError("load_failed", `engine thread for ${dir} failed to start`, {
            cause: err,
          });
    });
    if (first.type !== "loaded") {
      await worker.terminate();
      if (first.type === "load-failed") throw engineError(first.error);
      throw new EngineError("load_failed", `engine thread sent ${first.type} before loading`);
    }
    return new WorkerEngine(worker, first, exited);
  }

  templateSelfCheck(): SelfCheckResult {
    return this.#selfCheck;
  }

  generate(
    body: InferenceBody,
    onDelta: (delta: GenerationDelta) => void,
    signal: AbortSignal,
  ): Promise<GenerationResult> {
    if (this.#closing) return Promise.reject(new EngineError("closed", "engine is closed"));
    const id = this.#nextId++;
    return new Promise<GenerationResult>((resolve, reject) => {
      const cancel = (): void => this.#send({ type: "cancel", id });
      signal.addEventListener("abort", cancel, { once: true });
      this.#pending.set(id, {
        onDelta,
        resolve,
        reject,
        promptTokens: 0,
        generated: 0,
        detach: () => signal.removeEventListener("abort", cancel),
      });
      this.#send({ type: "generate", id, body: toBinary(InferenceBodySchema, body) });
      if (signal.aborted) cancel();
    });
  }

  /**
   * Not on this thread: counting needs the tokenizer and template, which live on the engine
   * thread. The daemon never counts; the CLI's measurements use loadModel's MlxEngine.
   */
  countPromptTokens(): number {
    throw new EngineError("unsupported_model", "WorkerEngine does not count prompt tokens");
  }

  /**
   * The engine thread's last snapshot, plus the requests sent since that it has not counted yet
   * (as waiting): a heartbeat after generate() returns always includes the new request, which
   * admission relies on (inference-runner.ts sends InferenceAccepted then).
   */
  capacity(): SlotSnapshot {
    const { capacity, lastGenerateId } = this.#state;
    let unseen = 0;
    for (const id of this.#pending.keys()) if (id > lastGenerateId) unseen++;
    return unseen === 0 ? capacity : { ...capacity, waiting: capacity.waiting + unseen };
  }

  /** Prompt tokens the engine thread has run through the model so far (its last report). */
  get prefilledTokens(): number {
    return this.#state.prefilledTokens;
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#send({ type: "close" });
  }

  /** Resolves when the engine thread has exited (after close(), or a crash). */
  get exited(): Promise<void> {
    return this.#exited;
  }

  #send(m: ToEngine): void {
    if (!this.#closing || m.type === "close") this.#worker.postMessage(m);
  }

  #onMessage(m: FromEngine): void {
    switch (m.type) {
      case "delta": {
        const p = this.#pending.get(m.id);
        if (!p) return;
        p.generated += m.delta.tokenCount;
        if (m.delta.promptTokens !== undefined) p.promptTokens = m.delta.promptTokens;
        p.onDelta(m.delta);
        return;
      }
      case "done":
        return this.#settle(m.id, (p) => p.resolve(m.result));
      case "failed":
        return this.#settle(m.id, (p) => p.reject(engineError(m.error)));
      case "state":
        this.#state = m.state;
        return;
      case "closed":
        void this.#worker.terminate();
        return;
      case "loaded":
      case "load-failed":
        return;
    }
  }

  #settle(id: number, how: (p: Pending) => void): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    p.detach();
    how(p);
  }

  /** The thread is gone: requests still open end as a close would end them, or fail. */
  #onExit(): void {
    this.#state = { ...this.#state, capacity: { ...this.#state.capacity, running: 0, waiting: 0 } };
    for (const id of [...this.#pending.keys()])
      this.#settle(id, (p) =>
        this.#closing
          ? p.resolve({
              promptTokens: p.promptTokens,
              completionTokens: p.generated,
              finishReason: "cancelled",
            })
          : p.reject(new EngineError("load_failed", "the engine thread exited")),
      );
    this.#closing = true;
  }
}
