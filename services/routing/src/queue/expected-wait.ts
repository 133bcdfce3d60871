/**
 * Expected wait for a newly queued request: everyone ahead plus itself must each get a seat, and
 * seats free up at (sequences running across eligible providers) ÷ (mean service time).
 */
export function expectedWaitMs(
  queueDepth: number,
  runningSequences: number,
  serviceMs: number,
): number {
  return ((queueDepth + 1) * serviceMs) / Math.max(1, runningSequences);
}
