// The contract between the provider daemon and the MLX engine.
import type { InferenceBody } from "@darkbloom/proto";

export type FinishReason = "stop" | "length" | "cancelled";

export interface GenerationDelta {
  /** Newly decoded text (may be empty when a token ends mid UTF-8 sequence). */
  text: string;
  /** Tokens produced since the previous delta. */
  tokenCount: number;
  /** The prompt's token count (known before the first delta, so streams can report it early). */
  promptTokens?: number;
}

export interface GenerationResult {
  promptTokens: number;
  completionTokens: number;
  finishReason: FinishReason;
  /** The stop string that ended generation, when one did. */
  stopSequence?: string;
}

export interface SlotSnapshot {
  modelId: string;
  running: number;
  waiting: number;
  activeTokens: number;
  maxTokensPotential: number;
  /** Routing hashes of the prompt prefixes whose KV the engine holds (most recent first). */
  prefixBlockHashes?: Uint8Array[];
}

export interface ModelEngine {
  readonly modelId: string;
  readonly contextLength: number;
  /** KV-cache bytes one token costs this model (engine/batching/kv-budget.ts). */
  readonly kvBytesPerToken: number;
  /**
   * Runs one request (chat through the model's own chat template, or a raw prompt) and calls
   * onDelta for each decoded piece. Resolves when generation ends; aborting the signal frees the
   * sequence at the next token boundary and resolves with finishReason "cancelled".
   * Rejects with EngineError for bad input (e.g. prompt longer than the context).
   */
  generate(
    body: InferenceBody,
    onDelta: (delta: GenerationDelta) => void,
    signal: AbortSignal,
  ): Promise<GenerationResult>;
  /** Tokens in the prompt as this model's tokenizer + template count them. */
  countPromptTokens(body: InferenceBody): number;
  capacity(): SlotSnapshot;
  close(): void;
}
