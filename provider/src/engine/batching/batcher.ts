// Continuous batching: at every token boundary, cancelled sequences leave, waiting ones are
// prefilled and join, and all running sequences advance together in one batched decode step,
// their keys/values seated as the rows of one KvBatch (copied only when the set changes).
// A prompt longer than a step's prefill budget is prefilled in chunks over several steps, so one
// step stays bounded: decoding rows keep advancing and a cancel is seen between chunks.
import { setImmediate as nextTick } from "node:timers/promises";
import { EngineError } from "../errors.js";
import { KvBatch } from "./kv-batch.js";
import { KvCache } from "./kv-cache.js";
import type { LlamaModel } from "../model/llama/model.js";
import type { PrefixCache } from "./prefix-cache.js";
import { mx, type MxArray } from "../mlx-backend/mlx.js";
import { applyLogitBias, argmax, sampleToken } from "../sampling/sampler.js";
import type { Sequence } from "./sequence.js";

export interface BatcherOptions {
  /** Most sequences decoded together; more wait in FIFO order. */
  maxBatchSize: number;
  /** Prompt tokens prefilled per step before decoding resumes; longer prompts are chunked. */
  prefillTokensPerStep: number;
}

type BatcherState = "idle" | "running" | "closed";

export class Batcher {
  readonly #model: LlamaModel;
  readonly #opts: BatcherOptions;
  readonly #waiting: Sequence[] = [];
  #running: Sequence[] = [];
  /** Running sequences still being prefilled: the tokens to run and how many have run. */
  readonly #prefill = new Map<Sequence, { rest: number[]; done: number }>();
  #state: BatcherState = "idle";
  #loop: Promise<void> = Promise.resolve();
  readonly #prefix: PrefixCache | undefined;
  /** The decoding sequences' keys/values, one row each (see kv-batch.ts). */
  readonly #kv: KvBatch;
  /** Prompt tokens run through the model (prefix-cache hits excluded). */
  prefilledTokens = 0;

  constructor(model: LlamaModel, opts: BatcherOptions, prefix?: PrefixCache) {
    this.#model = model;
    this.#opts = opts;
    this.#prefix = prefix;
    this.#kv = new KvBatch(model.config.numLayers);
  }

  get running(): readonly Sequence[] {
    return this.#running;
  }

  get waiting(): readonly Sequence[] {
    return this.#waiting;
  }

  submit(seq: Sequence): void {
    if (this.#state === "closed") throw new EngineError("closed", "engine is closed");
    this.#waiting.push(seq);
    // No abort listener needed: a submitted sequence keeps the loop running, and the loop
    // checks every signal at each token boundary.
    this.#wake();
  }

  /** Cancels everything and waits for the loop to stop. */
  async close(): Promise<void> {
    this.#state = "closed";
    for (const s of [...this.#waiting, ...this.#running]) s.finish("cancelled", false);
    this.#waiting.length = 0;
    this.#running = [];
    this.#prefill.clear();
    await this.#loop;
    this.#kv.seat([]);
  }

  #wake(): void {
    if (this.#state !== "idle") return;
    this.#state = "running";
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    while (this.#state === "running" && (this.#waiting.length > 0 || this.#running.length > 0)) {
      this.#step();
      // Yield so new requests, aborts and socket I/O are handled between tokens.
      await nextTick();
    }
    if (this.#state === "running") this.#state = "idle";
  }

  #step(): void {
    this.#dropCancelled();
    const decoding = this.#running.filter((s) => !this.#prefill.has(s));
    this.#admit();
    if (decoding.length > 0) {
      this.#guarded(decoding, () => {
        this.#kv.seat(decoding.map((s) => s.cache as KvCache));
        const logits = this.#model.forward(
          decoding.map((s) => [s.nextToken]),
          decoding.map((s) => s.cache as KvCache),
        );
        this.#sampleAll(decoding, logits);
      });
    }
    this.#running = this.#running.filter((s) => !s.finished);
    // Frees the batch's buffers once nothing decodes.
    if (this.#running.length === 0) this.#kv.seat([]);
  }

  #dropCancelled(): void {
    for (const s of [...this.#waiting, ...this.#running]) {
      if (s.init.signal.aborted) s.finish("cancelled", false);
    }
    const live = (s: Sequence): boolean => !s.finished;
    this.#running = this.#running.filter(live);
    for (const s of this.#prefill.keys()) if (s.finished) this.#prefill.delete(s);
    this.#waiting.splice(0, this.#waiting.length, ...this.#waiting.filter(live));
  }

  #admit(): void {
    let budget = this.#opts.prefillTokensPerStep;
    // Prompts already started come first (FIFO), then waiting ones join while budget is left.
    for (const [seq, p] of [...this.#prefill]) {
      if (budget <= 0) return;
      budget -= this.#prefillChunk(seq, p, budget);
    }
    while (
      budget > 0 &&
      this.#waiting.length > 0 &&
      this.#running.length < this.#opts.maxBatchSize
    ) {
      const next = this.#waiting.shift() as Sequence;
      const scope = next.init.prefix?.scope;
      const hit =
        scope === undefined ? undefined : this.#prefix?.lookup(scope, next.init.promptIds);
      next.cache = hit
        ? KvCache.seeded(hit.layers, hit.tokens)
        : new KvCache(this.#model.config.numLayers);
      next.reusedTokens = hit?.tokens ?? 0;
      this.#running.push(next);
      const p = { rest: next.init.promptIds.slice(hit?.tokens ?? 0), done: 0 };
      this.#prefill.set(next, p);
      budget -= this.#prefillChunk(next, p, budget);
    }
  }

  /** Runs up to `budget` more prompt tokens; the last chunk samples the first token. */
  #prefillChunk(seq: Sequence, p: { rest: number[]; done: number }, budget: number): number {
    const n = Math.min(p.rest.length - p.done, budget);
    const tokens = p.rest.slice(p.done, p.done + n);
    p.done += n;
    this.prefilledTokens += n;
    const last = p.done === p.rest.length;
    if (last) this.#prefill.delete(seq);
    const cache = seq.cache as KvCache;
    this.#guarded([seq], () => {
      const logits = this.#model.forward([tokens], [cache]);
      // Not the last chunk: only the keys/values are needed (logits stay unevaluated).
      if (!last) {
        mx.eval(...cache.arrays());
        return;
      }
      this.#sampleAll([seq], logits);
      const scope = seq.init.prefix?.scope;
      if (scope !== undefined)
        this.#prefix?.insert(scope, seq.init.promptIds, cache, seq.init.prefix?.routing);
    });
    return n;
  }

  #sampleAll(seqs: readonly Sequence[], logits: MxArray): void {
    const greedy = mx.argmax(logits, -1);
    mx.eval(greedy, logits, ...this.#kv.arrays(), ...seqs.flatMap((s) => s.cache?.arrays() ?? []));
    const best = greedy.tolist() as number[];
    seqs.forEach((s, i) => {
      const constraint = s.init.constraint;
      const bias = s.init.sampling.logitBias;
      let row: number[] | undefined;
      if (constraint || bias) row = logits.index(i).tolist() as number[];
      if (row && bias) applyLogitBias(row, bias);
      if (row && constraint) constraint.restrict(row, s.init.maxTokens - s.generated);
      const token =
        s.init.sampling.temperature <= 0
          ? row
            ? argmax(row)
            : (best[i] ?? 0)
          : sampleToken(row ?? (logits.index(i).tolist() as number[]), s.init.sampling, s.rng);
      try {
        constraint?.accept(token);
        s.accept(token);
      } catch (cause) {
        s.fail(cause);
      }
    });
  }

  #guarded(seqs: readonly Sequence[], work: () => void): void {
    try {
      work();
    } catch (cause) {
      // A failing MLX step means the loaded model cannot serve: report it like a failed load.
      const err =
        cause instanceof EngineError
          ? cause
          : new EngineError("load_failed", "inference step failed", { cause });
      for (const s of seqs) s.fail(err);
    }
  }
}
