export interface HedgeOptions {
  enabled: boolean;
  /** A first token later than factor × the provider's own EWMA time to first token is late. */
  factor: number;
  /** Never hedge sooner than this (short requests on a fast record would hedge on jitter). */
  minDelayMs: number;
  /** Lateness threshold for a provider×model without a record yet. */
  unknownDelayMs: number;
  /** No first token after this long: the attempt is cancelled and counted as a timeout. */
  firstTokenTimeoutMs: number;
  /** Providers tried at most per request (hedges and re-dispatches included). */
  maxAttempts: number;
  /**
   * How long a request with alternates on demand waits for its caller to supply an alternate's
   * body (SupplyAlternate) before that alternate is skipped as if unavailable.
   */
  alternateSupplyTimeoutMs: number;
}

export const DEFAULT_HEDGE: HedgeOptions = {
  enabled: true,
  factor: 3,
  minDelayMs: 1000,
  unknownDelayMs: 10_000,
  firstTokenTimeoutMs: 60_000,
  maxAttempts: 3,
  // the caller is the edge in this process: a seal and a call, well under a millisecond
  alternateSupplyTimeoutMs: 2000,
};

/** When to send the second copy: late against the provider's own record. */
export function hedgeDelayMs(recordTtftMs: number | undefined, o: HedgeOptions): number {
  if (recordTtftMs === undefined) return o.unknownDelayMs;
  return Math.max(o.minDelayMs, recordTtftMs * o.factor);
}
