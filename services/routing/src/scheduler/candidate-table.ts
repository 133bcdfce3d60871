import type { Profile } from "./profile.js";
import type { ProviderView, RouteRequest } from "./types.js";

/**
 * Per request class (model, minimum trust, quantizations): the figures of each view that do not
 * depend on the rest of the request, cached by view identity (views are snapshots). Rows are
 * recomputed only for views that changed since the last decision of the class.
 */
export class CandidateTable {
  private views: readonly ProviderView[] = [];
  /** Passed every eligibility filter (all of them read only the request class). */
  eligibleOk = new Uint8Array(0);
  /** Also passed the class-scoped capacity filters (e.g. slot-healthy). */
  classOk = new Uint8Array(0);
  /** Lower bound of the weighted score: floorConst + floorPerToken × prompt tokens. */
  floorConst = new Float64Array(0);
  floorPerToken = new Float64Array(0);
  /** The floors of sparse scorers (0 for a provider without the request's key). */
  sparseConst = new Float64Array(0);
  sparsePerToken = new Float64Array(0);
  /** Rows by the keys their sparse scorers hold; the keys each row was indexed under. */
  private readonly rowsByKey = new Map<string, Set<number>>();
  private rowKeys: (Iterable<string> | undefined)[] = [];
  eligibleCount = 0;
  /** Per-decision scratch, reused: floors for this request, scores, row state. */
  floors = new Float64Array(0);
  scores = new Float64Array(0);
  state = new Uint8Array(0);

  constructor(
    private readonly profile: Profile,
    private readonly classReq: RouteRequest,
  ) {}

  refresh(views: readonly ProviderView[]): void {
    if (views.length !== this.views.length) this.resize(views.length);
    for (let i = 0; i < views.length; i++) {
      const v = views[i] as ProviderView;
      if (this.views[i] !== v) this.computeRow(i, v);
    }
    this.views = views.slice();
  }

  private resize(n: number): void {
    this.views = [];
    this.eligibleOk = new Uint8Array(n);
    this.classOk = new Uint8Array(n);
    this.floorConst = new Float64Array(n);
    this.floorPerToken = new Float64Array(n);
    this.sparseConst = new Float64Array(n);
    this.sparsePerToken = new Float64Array(n);
    this.floors = new Float64Array(n);
    this.scores = new Float64Array(n);
    this.state = new Uint8Array(n);
    this.rowsByKey.clear();
    this.rowKeys = new Array<undefined>(n).fill(undefined);
    this.eligibleCount = 0;
  }

  private computeRow(i: number, v: ProviderView): void {
    const req = this.classReq;
    let eligible = true;
    let ok = true;
    for (const f of this.profile.filters) {
      if (f.reads !== "class") continue;
      if (!f.accepts(req, v)) {
        ok = false;
        if (f.kind === "eligibility") eligible = false;
      }
    }
    this.eligibleCount += (eligible ? 1 : 0) - (this.eligibleOk[i] ?? 0);
    this.eligibleOk[i] = eligible ? 1 : 0;
    this.classOk[i] = ok ? 1 : 0;
    const floor = { constMs: 0, perPromptTokenMs: 0 };
    const sparse = { constMs: 0, perPromptTokenMs: 0 };
    this.unindex(i);
    if (ok) {
      for (const { scorer, weight } of this.profile.scorers) {
        const f = scorer.floor?.(req.model, v);
        const into = scorer.sparse ? sparse : floor;
        into.constMs += weight * (f?.constMs ?? -Infinity);
        into.perPromptTokenMs += weight * (f?.perPromptTokenMs ?? 0);
        if (scorer.sparse) this.index(i, scorer.sparse.heldKeys(req.model, v));
      }
    }
    this.floorConst[i] = floor.constMs;
    this.floorPerToken[i] = floor.perPromptTokenMs;
    this.sparseConst[i] = sparse.constMs;
    this.sparsePerToken[i] = sparse.perPromptTokenMs;
  }

  /** Rows that may score a sparse scorer for this request key (the others score 0 there). */
  rowsHolding(key: string | undefined): ReadonlySet<number> {
    return (key !== undefined && this.rowsByKey.get(key)) || NO_ROWS;
  }

  private index(i: number, keys: Iterable<string>): void {
    const held = [...keys];
    this.rowKeys[i] = [...(this.rowKeys[i] ?? []), ...held];
    for (const k of held) {
      let rows = this.rowsByKey.get(k);
      if (!rows) this.rowsByKey.set(k, (rows = new Set()));
      rows.add(i);
    }
  }

  private unindex(i: number): void {
    for (const k of this.rowKeys[i] ?? []) {
      const rows = this.rowsByKey.get(k);
      rows?.delete(i);
      if (rows?.size === 0) this.rowsByKey.delete(k);
    }
    this.rowKeys[i] = undefined;
  }
}

const NO_ROWS: ReadonlySet<number> = new Set();

/** The part of a request a table is valid for. */
export function requestClassKey(req: RouteRequest): string {
  return `${req.model}\u0000${req.minTrust}\u0000${req.quantizations.join(",")}`;
}

/**
 * Whether a profile can be pruned by floors: class-scoped eligibility, floored non-negative
 * scorers (at most one sparse), a picker with a cutoff.
 */
export function prunable(profile: Profile): boolean {
  const firstCapacity = profile.filters.findIndex((f) => f.kind === "capacity");
  const trailing = firstCapacity < 0 ? [] : profile.filters.slice(firstCapacity);
  return (
    profile.picker.cutoffMs !== undefined &&
    trailing.every((f) => f.kind === "capacity") &&
    profile.filters.every((f) => f.kind === "capacity" || f.reads === "class") &&
    profile.scorers.every((s) => s.scorer.floor !== undefined && s.weight >= 0) &&
    profile.scorers.filter((s) => s.scorer.sparse).length <= 1
  );
}
