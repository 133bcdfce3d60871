import type { Picker, Scored } from "../types.js";
import { shuffle } from "./shuffle.js";

/** Scores this close to the best are a near-tie: max(50 ms, 10% of the best's magnitude). */
export function nearTieBandMs(bestMs: number): number {
  return Math.max(50, Math.abs(bestMs) * 0.1);
}

/**
 * Lowest expected time to first token first. Among near-ties the better reputation (success rate,
 * timeouts) goes first, then the lower score; exact ties are spread at random.
 */
export const lowestTtft: Picker = {
  name: "lowest-ttft",
  order(_req, scored, random, limit = Infinity) {
    if (scored.length === 0) return [];
    let best = Infinity;
    for (const s of scored) best = Math.min(best, s.ms);
    const band = nearTieBandMs(best);
    const ties: Scored[] = [];
    const rest: Scored[] = [];
    for (const s of scored) (s.ms - best <= band ? ties : rest).push(s);
    const byRep = firstByRep(shuffle(ties, random), limit);
    if (byRep.length >= limit) return byRep;
    return [...byRep, ...smallest(rest, limit - byRep.length)];
  },
  // Only near-ties of the best and the `limit` lowest scores can be returned.
  cutoffMs: (bestMs, limitthMs) => Math.max(bestMs + nearTieBandMs(bestMs), limitthMs),
};

const byRepThenMs = (a: Scored, b: Scored): number => repBucket(b) - repBucket(a) || a.ms - b.ms;

/** The first `k` of a stable sort by reputation bucket then score, without sorting them all. */
function firstByRep(list: Scored[], k: number): Scored[] {
  if (k >= list.length || k > 8) return list.sort(byRepThenMs).slice(0, k);
  const out: Scored[] = [];
  const taken = new Set<Scored>();
  for (let n = 0; n < k; n++) {
    let min: Scored | undefined;
    for (const s of list) if (!taken.has(s) && (!min || byRepThenMs(s, min) < 0)) min = s;
    if (!min) break;
    taken.add(min);
    out.push(min);
  }
  return out;
}

/** The k lowest scores in order: a selection pass for small k, a sort otherwise. */
function smallest(list: Scored[], k: number): Scored[] {
  if (k >= list.length || k > 8) return list.sort((a, b) => a.ms - b.ms).slice(0, k);
  const out: Scored[] = [];
  const taken = new Set<Scored>();
  for (let n = 0; n < k; n++) {
    let min: Scored | undefined;
    for (const s of list) if (!taken.has(s) && (!min || s.ms < min.ms)) min = s;
    if (!min) break;
    taken.add(min);
    out.push(min);
  }
  return out;
}

/** Reputation in steps of 5% so noise in the success rate does not defeat random spreading. */
function repBucket(s: Scored): number {
  return Math.floor(s.provider.reputation * 20);
}
