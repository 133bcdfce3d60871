import { chunkTokenBound } from "@darkbloom/crypto";

/**
 * Completion tokens a provider may report beyond the tokens it sent: the end-of-sequence token,
 * which the engine samples (and counts) but never sends as a chunk.
 */
export const COMPLETION_REPORT_TOLERANCE_TOKENS = 1;

/** A figure of a provider's usage report that the relayed bytes cannot support. */
export type UsageDispute = "prompt" | "completion";

export interface MeteredUsage {
  promptTokens: number;
  completionTokens: number;
}

/**
 * What one request may bill, counted by the relay rather than reported by the provider: completion
 * tokens are the tokens of the chunks relayed (each chunk bounded by its payload bytes, the sum by
 * the request's max_tokens); the prompt is the provider's report, bounded by `promptBound`.
 */
export class UsageMeter {
  private relayed = 0;
  private readonly maxTokens: number;

  constructor(
    maxTokens: number,
    private readonly promptBound: number,
  ) {
    this.maxTokens = maxTokens > 0 ? maxTokens : Number.POSITIVE_INFINITY;
  }

  /** Counts one relayed chunk; returns the tokens it may bill. */
  chunk(claimedTokens: number, sealedPayloadBytes: number): number {
    const room = this.maxTokens - this.relayed;
    const tokens = Math.min(chunkTokenBound(claimedTokens, sealedPayloadBytes), room);
    this.relayed += tokens;
    return tokens;
  }

  get completionTokens(): number {
    return this.relayed;
  }

  /** The billable usage for a provider's report, and the figures the report overstated. */
  bound(reported: MeteredUsage | undefined): { usage: MeteredUsage; disputes: UsageDispute[] } {
    const prompt = reported?.promptTokens ?? 0;
    const completion = reported?.completionTokens ?? 0;
    const disputes: UsageDispute[] = [];
    if (prompt > this.promptBound) disputes.push("prompt");
    if (completion > this.relayed + COMPLETION_REPORT_TOLERANCE_TOKENS) disputes.push("completion");
    return {
      usage: {
        promptTokens: Math.min(prompt, this.promptBound),
        completionTokens: this.relayed,
      },
      disputes,
    };
  }
}
