import type { CandidateTable } from "./candidate-table.js";
import type { Profile } from "./profile.js";
import type { ProviderView, RouteRequest, Scored } from "./types.js";

/** Slack on floor comparisons so rounding in the floors never skips a candidate. */
const SLACK_MS = 1e-6;

/**
 * The candidates that can matter for a decision, without scoring every provider: rows are scored
 * in rising order of their floor threshold until the picker's cutoff (near-ties of the best and
 * the `limit` best) lies below every unscored floor. Returns the admitted, scored providers in
 * their original order, so the picker sees the same near-ties in the same order (and draws the
 * same random numbers) as with the full list.
 */
export function prunedCandidates(
  profile: Profile,
  table: CandidateTable,
  req: RouteRequest,
  views: readonly ProviderView[],
  limit: number,
): Scored[] {
  const n = views.length;
  const floors = table.floors;
  let minFloor = Infinity;
  for (let i = 0; i < n; i++) {
    const f = table.classOk[i]
      ? (table.floorConst[i] as number) + (table.floorPerToken[i] as number) * req.promptTokens
      : Infinity;
    floors[i] = f;
  }
  // Sparse scorers (prefix affinity) can only lower the score of rows holding the request's key.
  for (const { scorer } of profile.scorers) {
    if (!scorer.sparse) continue;
    for (const i of table.rowsHolding(scorer.sparse.requestKey(req)))
      floors[i] =
        (floors[i] as number) +
        (table.sparseConst[i] as number) +
        (table.sparsePerToken[i] as number) * req.promptTokens;
    break; // prunable profiles have at most one sparse scorer
  }
  for (let i = 0; i < n; i++) if ((floors[i] as number) < minFloor) minFloor = floors[i] as number;
  const scores = table.scores;
  const state = table.state.fill(0); // 0 unscored, 1 admitted, 2 refused by a capacity filter
  const picker = profile.picker;
  const cutoffMs = (best: number, limitth: number): number =>
    picker.cutoffMs ? picker.cutoffMs(best, limitth) : Infinity;
  const capacity = profile.filters.filter((f) => f.reads !== "class");
  const best: number[] = []; // the `limit` lowest scores so far, ascending
  let threshold = cutoffMs(minFloor, minFloor);
  let span = Math.max(1000, threshold - minFloor);
  for (;;) {
    let pending = false;
    for (let i = 0; i < n; i++) {
      const floor = floors[i] as number;
      if (floor === Infinity || state[i] !== 0) continue;
      if (floor - SLACK_MS > threshold) {
        pending = true;
        continue;
      }
      const p = views[i] as ProviderView;
      if (!admits(capacity, req, p)) {
        state[i] = 2;
        continue;
      }
      const ms = score(profile, req, p);
      scores[i] = ms;
      state[i] = 1;
      if (best.length < limit || ms < (best[best.length - 1] as number)) insert(best, ms, limit);
    }
    if (!pending) break;
    const cutoff = cutoffMs(
      best[0] ?? Infinity,
      best.length < limit ? Infinity : (best[limit - 1] as number),
    );
    if (cutoff <= threshold) break;
    span *= 2;
    threshold = Number.isFinite(cutoff) ? cutoff : threshold + span;
  }
  const out: Scored[] = [];
  for (let i = 0; i < n; i++) {
    if (state[i] === 1) out.push({ provider: views[i] as ProviderView, ms: scores[i] as number });
  }
  return out;
}

/** The weighted sum, added in profile order exactly as the full pass adds it. */
function score(profile: Profile, req: RouteRequest, p: ProviderView): number {
  let ms = 0;
  for (let i = 0; i < profile.scorers.length; i++) {
    const { scorer, weight } = profile.scorers[i]!;
    ms += weight * scorer.score(req, p);
  }
  return ms;
}

function insert(sorted: number[], value: number, limit: number): void {
  let i = sorted.length;
  while (i > 0 && (sorted[i - 1] as number) > value) i--;
  sorted.splice(i, 0, value);
  if (sorted.length > limit) sorted.pop();
}

function admits(filters: Profile["filters"], req: RouteRequest, p: ProviderView): boolean {
  for (let i = 0; i < filters.length; i++) if (!filters[i]!.accepts(req, p)) return false;
  return true;
}
