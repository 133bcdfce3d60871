import type { FinishReason, ToolCallDelta, TrustLevel } from "@darkbloom/proto";
import type { EdgeError } from "../errors/edge-error.js";

/** What every relay yields (compat: run-inference.ts; sealed mode: relay-sealed.ts). */
export type InferenceEvent =
  | {
      type: "started";
      providerId: string;
      trustLevel: TrustLevel;
      keyFingerprint: string;
      /** The operator account the provider earns for; empty for a tokenless provider. */
      providerAccountId: string;
    }
  | {
      type: "delta";
      text: string;
      tokens: number;
      toolCalls: readonly ToolCallDelta[];
      /**
       * The prompt's token count, reported by the provider in its first chunk (0 otherwise);
       * billedInference bounds it by the request's prompt estimate.
       */
      promptTokens: number;
      /** Sealed mode: the chunk as the provider sealed it to the client (the edge cannot read it). */
      sealed?: { sequence: number; payload: Uint8Array };
    }
  | {
      /**
       * Several deltas that arrived together (one read of the provider's socket), in order: the
       * same as each as its own `delta`, passed through every layer once for all of them.
       */
      type: "deltas";
      deltas: readonly Extract<InferenceEvent, { type: "delta" }>[];
    }
  | {
      type: "done";
      promptTokens: number;
      completionTokens: number;
      finishReason: FinishReason;
      /** The stop string that ended generation, when one did. */
      stopSequence?: string;
      /** What the consumer was charged, once settled (set by billedInference). */
      costMicroUsd?: bigint;
    };

/** Failure after the provider started producing output: what was delivered is known. */
export class MidStreamError extends Error {
  constructor(
    readonly edge: EdgeError,
    readonly deliveredTokens: number,
  ) {
    super(edge.message, { cause: edge });
    this.name = "MidStreamError";
  }
}
