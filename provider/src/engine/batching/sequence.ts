// One request's generation state: turns sampled tokens into deltas and decides when it ends.
import type { KvCache } from "./kv-cache.js";
import type { PrefixRouting } from "./prefix-cache.js";
import { type SamplingOptions, SplitMix64 } from "../sampling/sampler.js";
import { StopMatcher } from "../sampling/stop-matcher.js";
import type { TokenConstraint } from "../constrained/tool-calls/constraint.js";
import { IncrementalDecoder } from "../tokenizer/incremental-decoder.js";
import type { FinishReason, GenerationDelta, GenerationResult } from "../types.js";

export interface SequenceInit {
  promptIds: number[];
  maxTokens: number;
  contextLength: number;
  sampling: SamplingOptions;
  eosIds: ReadonlySet<number>;
  stops: readonly string[];
  tokenBytes: (id: number) => Uint8Array;
  /** The tokenizer's streaming decoder (SentencePiece ones drop the encoder's leading space). */
  decoder?: IncrementalDecoder;
  onDelta: (delta: GenerationDelta) => void;
  signal: AbortSignal;
  /** Restricts which tokens may be sampled (forced tool call, JSON mode). */
  constraint?: TokenConstraint;
  /** Prefix-cache scope (the account) and the routing hashes its cached blocks answer to. */
  prefix?: { scope: string; routing?: PrefixRouting };
}

export class Sequence {
  readonly init: SequenceInit;
  readonly rng: SplitMix64;
  cache: KvCache | undefined;
  /** The sampled token the next decode step feeds in. */
  nextToken = -1;
  generated = 0;
  /** Prompt tokens whose KV came from the prefix cache (not prefilled). */
  reusedTokens = 0;
  finished: GenerationResult | undefined;
  readonly #decoder: IncrementalDecoder;
  readonly #stop: StopMatcher;
  readonly #done: Promise<GenerationResult>;
  #resolve: (r: GenerationResult) => void = () => undefined;
  #reject: (e: unknown) => void = () => undefined;

  constructor(init: SequenceInit) {
    this.init = init;
    this.#decoder = init.decoder ?? new IncrementalDecoder();
    this.rng = new SplitMix64(init.sampling.seed);
    this.#stop = new StopMatcher(init.stops);
    this.#done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  get done(): Promise<GenerationResult> {
    return this.#done;
  }

  /** Tokens the sequence can still reach (prompt + remaining budget). */
  get potentialTokens(): number {
    return this.init.promptIds.length + this.init.maxTokens;
  }

  /** Records a sampled token; returns false once the sequence has finished. */
  accept(token: number): boolean {
    this.generated++;
    this.nextToken = token;
    if (this.init.eosIds.has(token)) return this.finish("stop");
    const text = this.#decoder.push(this.init.tokenBytes(token));
    const { emit, stopped, stop } = this.#stop.push(text);
    this.init.onDelta({ text: emit, tokenCount: 1, promptTokens: this.init.promptIds.length });
    if (stopped) return this.finish("stop", false, stop);
    const contextFull = this.init.promptIds.length + this.generated >= this.init.contextLength;
    if (this.generated >= this.init.maxTokens || contextFull) return this.finish("length");
    return true;
  }

  finish(reason: FinishReason, flush = true, stopSequence?: string): false {
    if (this.finished) return false;
    if (flush) {
      const tail = this.#stop.push(this.#decoder.end());
      const rest = tail.stopped ? tail.emit : tail.emit + this.#stop.flush();
      if (rest.length > 0)
        this.init.onDelta({ text: rest, tokenCount: 0, promptTokens: this.init.promptIds.length });
      if (tail.stopped) [reason, stopSequence] = ["stop", tail.stop];
    }
    this.finished = {
      promptTokens: this.init.promptIds.length,
      completionTokens: this.generated,
      finishReason: reason,
      ...(stopSequence === undefined ? {} : { stopSequence }),
    };
    this.cache = undefined;
    this.#resolve(this.finished);
    return false;
  }

  fail(err: unknown): void {
    if (this.finished) return;
    this.finished = {
      promptTokens: this.init.promptIds.length,
      completionTokens: this.generated,
      finishReason: "cancelled",
    };
    this.cache = undefined;
    this.#reject(err);
  }
}
