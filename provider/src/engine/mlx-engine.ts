// ModelEngine over MLX: request -> prompt tokens -> Sequence -> continuous batcher.
import { randomBytes } from "node:crypto";
import type { InferenceBody } from "@darkbloom/proto";
import { Batcher, type BatcherOptions } from "./batching/batcher.js";
import type { ChatTemplate } from "./chat-template/chat-template.js";
import { EngineError } from "./errors.js";
import { kvBytesPerToken } from "./batching/kv-budget.js";
import type { LlamaModel } from "./model/llama/model.js";
import type { PrefixCache } from "./batching/prefix-cache.js";
import {
  createPrefixCache,
  sequencePrefix,
  type PrefixCacheSetting,
} from "./batching/prefix-cache-setup.js";
import type { SamplingOptions } from "./sampling/sampler.js";
import { type SelfCheckResult, templateSelfCheck } from "./chat-template/template-self-check.js";
import { Sequence } from "./batching/sequence.js";
import { constraintFor } from "./constrained/tool-calls/choice.js";
import type { Tokenizer } from "./tokenizer/tokenizer.js";
import type { GenerationDelta, GenerationResult, ModelEngine, SlotSnapshot } from "./types.js";

export interface MlxEngineParts {
  modelId: string;
  model: LlamaModel;
  tokenizer: Tokenizer;
  template: ChatTemplate | undefined;
  eosIds: ReadonlySet<number>;
  contextLength: number;
  batcher: BatcherOptions;
  /** Prefix KV cache (docs/provider-guide.md); on with defaults when absent. */
  prefixCache?: PrefixCacheSetting;
}

/** OpenAI's default temperature; 0 means greedy. */
const DEFAULT_TEMPERATURE = 1;

export class MlxEngine implements ModelEngine {
  readonly modelId: string;
  readonly contextLength: number;
  readonly kvBytesPerToken: number;
  readonly tokenizer: Tokenizer;
  readonly #parts: MlxEngineParts;
  readonly #batcher: Batcher;
  readonly prefixCache: PrefixCache | undefined;
  #closed = false;

  constructor(parts: MlxEngineParts) {
    this.modelId = parts.modelId;
    this.contextLength = parts.contextLength;
    this.kvBytesPerToken = kvBytesPerToken(parts.model.config);
    this.tokenizer = parts.tokenizer;
    this.#parts = parts;
    this.prefixCache = createPrefixCache(parts.prefixCache);
    this.#batcher = new Batcher(parts.model, parts.batcher, this.prefixCache);
  }

  /** The exact text the model sees for this body. */
  renderPrompt(body: InferenceBody): string {
    const input = body.input;
    switch (input.case) {
      case "prompt":
        return input.value;
      case "chat":
        if (!this.#parts.template) {
          throw new EngineError("unsupported_model", `${this.modelId} has no chat template`);
        }
        return this.#parts.template.render(input.value);
      case undefined:
        throw new EngineError("invalid_input", "request has neither chat nor prompt");
      default: {
        const unhandled: never = input;
        throw new EngineError("invalid_input", `unknown input ${String(unhandled)}`);
      }
    }
  }

  /** Renders a sample conversation through the model's chat template. */
  templateSelfCheck(): SelfCheckResult {
    const template = this.#parts.template;
    return template
      ? templateSelfCheck(template)
      : { ok: false, error: "tokenizer_config.json has no chat_template" };
  }

  countPromptTokens(body: InferenceBody): number {
    return this.tokenizer.encode(this.renderPrompt(body)).length;
  }

  async generate(
    body: InferenceBody,
    onDelta: (delta: GenerationDelta) => void,
    signal: AbortSignal,
  ): Promise<GenerationResult> {
    if (this.#closed) throw new EngineError("closed", "engine is closed");
    const promptIds = this.tokenizer.encode(this.renderPrompt(body));
    if (promptIds.length === 0) throw new EngineError("invalid_input", "empty prompt");
    const room = this.contextLength - promptIds.length;
    if (room <= 0) {
      throw new EngineError(
        "context_overflow",
        `prompt has ${promptIds.length} tokens; context is ${this.contextLength}`,
      );
    }
    const requested = body.sampling?.maxTokens ?? 0;
    const seq = new Sequence({
      promptIds,
      maxTokens: requested > 0 ? Math.min(requested, room) : room,
      contextLength: this.contextLength,
      sampling: samplingOptions(body, this.tokenizer.vocabSize),
      eosIds: this.#parts.eosIds,
      stops: body.sampling?.stop ?? [],
      tokenBytes: this.#outputBytes(body.sampling?.includeSpecialTokens ?? false),
      decoder: this.tokenizer.createStreamDecoder(),
      onDelta,
      signal,
      constraint: constraintFor(body, this.tokenizer, [...this.#parts.eosIds][0]),
      prefix: sequencePrefix(body),
    });
    if (signal.aborted) return (seq.finish("cancelled", false), seq.done);
    this.#batcher.submit(seq);
    return seq.done;
  }

  /** Output bytes per token: special tokens (`<|im_start|>`, …) decode to nothing unless asked. */
  #outputBytes(includeSpecial: boolean): (id: number) => Uint8Array {
    const none = new Uint8Array(0);
    const { tokenizer } = this;
    return includeSpecial
      ? (id) => tokenizer.tokenBytes(id)
      : (id) => (tokenizer.specialIds.has(id) ? none : tokenizer.tokenBytes(id));
  }

  capacity(): SlotSnapshot {
    const running = this.#batcher.running;
    const waiting = this.#batcher.waiting;
    return {
      modelId: this.modelId,
      running: running.length,
      waiting: waiting.length,
      activeTokens: running.reduce((n, s) => n + (s.cache?.length ?? 0), 0),
      maxTokensPotential: [...running, ...waiting].reduce((n, s) => n + s.potentialTokens, 0),
      prefixBlockHashes: this.prefixCache?.heldRouteHashes() ?? [],
    };
  }

  /** Prompt tokens run through the model so far (prefix-cache hits are not prefilled). */
  get prefilledTokens(): number {
    return this.#batcher.prefilledTokens;
  }

  close(): void {
    this.#closed = true;
    this.prefixCache?.clear();
    void this.#batcher.close();
  }
}

function samplingOptions(body: InferenceBody, vocabSize: number): SamplingOptions {
  const s = body.sampling;
  const temperature = s?.temperature ?? DEFAULT_TEMPERATURE;
  const topP = s?.topP ?? 1;
  if (!(temperature >= 0) || !(topP > 0 && topP <= 1)) {
    throw new EngineError("invalid_input", "temperature must be >= 0 and top_p in (0, 1]");
  }
  const seed = s?.seed ?? randomBytes(8).readBigUInt64LE(0);
  return { temperature, topP, seed, logitBias: logitBias(s?.logitBias ?? {}, vocabSize) };
}

function logitBias(
  entries: Readonly<Record<number, number>>,
  vocabSize: number,
): ReadonlyMap<number, number> | undefined {
  const bias = new Map<number, number>();
  for (const [key, value] of Object.entries(entries)) {
    const id = Number(key);
    if (id >= vocabSize)
      throw new EngineError(
        "invalid_input",
        `logit_bias names token ${id}; this model's vocabulary has ${vocabSize} tokens`,
      );
    if (!(value >= -100 && value <= 100))
      throw new EngineError("invalid_input", "logit_bias values must be between -100 and 100");
    if (value !== 0) bias.set(id, value);
  }
  if (bias.size === vocabSize && [...bias.values()].every((v) => v <= -100))
    throw new EngineError("invalid_input", "logit_bias bans every token of the vocabulary");
  return bias.size > 0 ? bias : undefined;
}
