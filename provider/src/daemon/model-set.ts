import { readFile } from "node:fs/promises";
import path from "node:path";
import { create } from "@bufbuild/protobuf";
import { ModelInfoSchema, type ModelInfo } from "@darkbloom/proto";
import type { Logger } from "@darkbloom/telemetry";
import { loadModel, type ModelEngine } from "../engine/index.js";
import { WorkerEngine } from "../engine-thread/worker-engine.js";
import { kvBytesPerToken, kvPeakBytes } from "../engine/batching/kv-budget.js";
import { mx } from "../engine/mlx-backend/mlx.js";
import { parseLlamaConfig } from "../engine/model/model-config.js";
import { describeModelDir } from "../models/scan-models.js";
import { readSafetensorsHeader } from "../models/safetensors-header.js";
import { kvCapacityTokens, postLoadRefusal, type LoadedKv } from "./kv-capacity.js";
import { checkLoad, idleModels, kvPoolBytes, type MemoryGateOptions } from "./memory-gate.js";

export type ModelEntry =
  | {
      id: string;
      dir: string;
      state: "loaded";
      engine: ModelEngine;
      info: ModelInfo;
      pinned: boolean;
      kv: LoadedKv;
    }
  | { id: string; dir: string; state: "failed"; error: string };

/** Loads an engine; injectable so tests can exercise the gate without MLX. */
export type EngineLoader = (
  dir: string,
  modelId: string,
  maxContextTokens: number | undefined,
) => Promise<{ engine: ModelEngine; templateError: string | undefined }>;

export const mlxLoader: EngineLoader = async (dir, modelId, maxContextTokens) => {
  const engine = await loadModel(dir, { modelId, maxContextTokens });
  const check = engine.templateSelfCheck();
  return { engine, templateError: check.ok ? undefined : check.error };
};

/**
 * What `start` uses: each model's engine on its own thread (engine-thread/), so MLX's forward
 * passes never hold up heartbeats, cancels or pings on the daemon's event loop.
 */
export function threadedMlxLoader(o: { prefillTokensPerStep?: number } = {}): EngineLoader {
  return async (dir, modelId, maxContextTokens) => {
    const engine = await WorkerEngine.load(dir, {
      modelId,
      maxContextTokens,
      ...(o.prefillTokensPerStep ? { prefillTokensPerStep: o.prefillTokensPerStep } : {}),
    });
    const check = engine.templateSelfCheck();
    return { engine, templateError: check.ok ? undefined : check.error };
  };
}

export interface ModelSetOptions {
  /** Caps every model's context (DARKBLOOM_MAX_CONTEXT_TOKENS); undefined = the model's own. */
  maxContextTokens?: number;
  /**
   * Caps the KV capacity each model advertises (DARKBLOOM_KV_CAPACITY_TOKENS), so the coordinator
   * never routes more than this many tokens to it at once; undefined = the memory budget's figure.
   */
  kvCapacityCapTokens?: number;
  /**
   * Bytes in use now, read before and after a load to measure what the model really occupies:
   * MLX's active memory on Metal, the process RSS on the CPU backend (MLX reports 0 there).
   */
  memoryUsedBytes?: () => number;
}

export function measuredMemoryUsedBytes(): number {
  return mx.metal.isAvailable() ? mx.metal.getActiveMemory() : process.memoryUsage.rss();
}

/**
 * The models this provider holds: loads behind the memory gate, never throws on a bad model
 * (a failed load becomes a `failed` entry with the reason), unloads, and finds idle ones.
 */
export class ModelSet {
  /** Live map handed to the inference runner. */
  readonly engines = new Map<string, ModelEngine>();
  private readonly entriesById = new Map<string, ModelEntry>();
  private readonly lastUsedMs = new Map<string, number>();

  constructor(
    private readonly gate: MemoryGateOptions,
    private readonly log: Logger,
    private readonly loader: EngineLoader = mlxLoader,
    private readonly options: ModelSetOptions = {},
  ) {}

  entries(): ModelEntry[] {
    return [...this.entriesById.values()];
  }

  infos(): ModelInfo[] {
    return this.entries().flatMap((e) => (e.state === "loaded" ? [e.info] : []));
  }

  touch(id: string): void {
    if (this.lastUsedMs.has(id)) this.lastUsedMs.set(id, Date.now());
  }

  /** Loads a model folder; `pinned` models (from `start`) are never idle-unloaded. */
  async load(dir: string, pinned: boolean): Promise<ModelEntry> {
    let id = dir;
    try {
      const scanned = await describeModelDir(dir);
      id = scanned.id;
      const existing = this.entriesById.get(id);
      if (existing?.state === "loaded") return existing;
      const config = parseLlamaConfig(
        JSON.parse(await readFile(path.join(dir, "config.json"), "utf8")) as Record<
          string,
          unknown
        >,
      );
      const perToken = kvBytesPerToken(config);
      const context = Math.min(
        config.maxPositionEmbeddings,
        this.options.maxContextTokens || Infinity,
      );
      const kvFloor = this.loadedKv().reduce(
        (n, k) => n + kvPeakBytes(k.contextLength, k.kvBytesPerToken),
        kvPeakBytes(context, perToken),
      );
      const decision = checkLoad(
        this.gate,
        this.residentBytes(),
        this.engines.size,
        scanned.sizeBytes,
        kvFloor,
      );
      if (!decision.ok) return this.fail(id, dir, decision.reason);
      for (const f of scanned.weightFiles) {
        const header = await readSafetensorsHeader(f);
        if (!header.ok) return this.fail(id, dir, `corrupt weights ${f}: ${header.error}`);
      }
      const measure = this.options.memoryUsedBytes ?? measuredMemoryUsedBytes;
      const before = measure();
      const { engine, templateError } = await this.loader(dir, id, this.options.maxContextTokens);
      if (templateError)
        this.log.warn("chat template failed its self-check; the model will not be routed", {
          model: id,
          error: templateError,
        });
      const info = create(ModelInfoSchema, {
        id,
        sizeBytes: BigInt(scanned.sizeBytes),
        quantization: scanned.quantization,
        contextLength: engine.contextLength,
        templateOk: templateError === undefined,
        templateError: templateError ?? "",
      });
      const kv: LoadedKv = {
        residentBytes: Math.max(scanned.sizeBytes, measure() - before),
        kvBytesPerToken: engine.kvBytesPerToken,
        contextLength: engine.contextLength,
      };
      const entry: ModelEntry = { id, dir, state: "loaded", engine, info, pinned, kv };
      this.entriesById.set(id, entry);
      this.engines.set(id, engine);
      const refusal = postLoadRefusal(this.kvCapacityTokens(id), kv);
      if (refusal) {
        this.unload(id);
        return this.fail(id, dir, `post-load guard: ${refusal}`);
      }
      if (!pinned) this.lastUsedMs.set(id, Date.now());
      this.log.info("model loaded", {
        model: id,
        bytes: kv.residentBytes,
        kvCapacityTokens: this.kvCapacityTokens(id),
      });
      return entry;
    } catch (err) {
      return this.fail(id, dir, err instanceof Error ? err.message : String(err));
    }
  }

  /** The model's KV capacity in tokens now (0 when it is not loaded); see kv-capacity.ts. */
  kvCapacityTokens(id: string): number {
    const entry = this.entriesById.get(id);
    if (entry?.state !== "loaded") return 0;
    const pool = kvPoolBytes(this.gate, this.residentBytes(), this.engines.size);
    const budgeted = kvCapacityTokens(pool, this.engines.size, entry.kv);
    return Math.min(budgeted, this.options.kvCapacityCapTokens || Infinity);
  }

  private loadedKv(): LoadedKv[] {
    return this.entries().flatMap((e) => (e.state === "loaded" ? [e.kv] : []));
  }

  private residentBytes(): number {
    return this.loadedKv().reduce((n, k) => n + k.residentBytes, 0);
  }

  unload(id: string): boolean {
    const entry = this.entriesById.get(id);
    if (!entry) return false;
    this.entriesById.delete(id);
    this.lastUsedMs.delete(id);
    if (entry.state === "loaded") {
      this.engines.delete(id);
      entry.engine.close();
      this.log.info("model unloaded", { model: id });
    }
    return true;
  }

  /** Unloads models that served nothing for idleMs; returns their ids. */
  unloadIdle(nowMs: number, idleMs: number): string[] {
    const ids = idleModels(this.lastUsedMs, nowMs, idleMs).filter(
      (id) => (this.engines.get(id)?.capacity().running ?? 0) === 0,
    );
    for (const id of ids) this.unload(id);
    return ids;
  }

  closeAll(): void {
    for (const id of [...this.entriesById.keys()]) this.unload(id);
  }

  private fail(id: string, dir: string, error: string): ModelEntry {
    this.log.error("model failed to load", { model: id, error });
    const entry: ModelEntry = { id, dir, state: "failed", error };
    if (this.entriesById.get(id)?.state !== "loaded") this.entriesById.set(id, entry);
    return entry;
  }
}
