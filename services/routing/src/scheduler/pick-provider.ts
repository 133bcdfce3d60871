import type { TrustLevel } from "@darkbloom/proto";

export interface Candidate {
  id: string;
  inFlight: number;
  trustLevel: TrustLevel;
}

/**
 * The first policy: among providers serving the model at or above the required trust, the one
 * with the fewest requests in flight; ties broken at random so load spreads.
 */
export function pickProvider<C extends Candidate>(
  candidates: readonly C[],
  minTrust: TrustLevel,
  random: () => number = Math.random,
): C | undefined {
  const eligible = candidates.filter((c) => c.trustLevel >= minTrust);
  if (eligible.length === 0) return undefined;
  const least = Math.min(...eligible.map((c) => c.inFlight));
  const best = eligible.filter((c) => c.inFlight === least);
  return best[Math.floor(random() * best.length)];
}
