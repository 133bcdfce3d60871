import { CandidateTable, prunable, requestClassKey } from "./candidate-table.js";
import type { Profile } from "./profile.js";
import { prunedCandidates } from "./pruned-decide.js";
import { sortPicker } from "./pickers/sort-pickers.js";
import type { Filter, ProviderView, RouteRequest, Scored } from "./types.js";

export interface Decision {
  /** Admissible providers, best first. */
  ranked: Scored[];
  /** Providers that could serve the request at all (passed every eligibility filter). */
  eligible: number;
}

export interface PluginTimer {
  observe(plugin: string, ms: number): void;
}

/** One decision in this many runs stage by stage to time each plugin (same result, slower). */
export const PLUGIN_TIMING_SAMPLE_EVERY = 64;
/** Below this many candidates a full pass is as cheap as pruning by floors. */
export const PRUNE_MIN_CANDIDATES = 64;
/** Pruning keeps the `limit` best; callers asking for more get the full pass. */
const PRUNE_MAX_LIMIT = 16;
/** Request classes (model, trust, quantizations) whose candidate tables are kept. */
const MAX_TABLES = 64;

/**
 * Runs one profile: filters in order, weighted scorers (ms of expected delay), then the picker.
 * `decideStaged` runs plugin by plugin over the whole list: the reference, and what a sampled
 * decision uses to time each plugin for `darkbloom_routing_plugin_seconds`. `decide` returns the
 * same answer faster: over large fleets it scores only providers whose cached score floor can
 * beat the picker's cutoff (`pruned-decide.ts`); otherwise it makes one pass with no
 * intermediate lists. `req.sort` (throughput, latency) replaces the profile's picker.
 */
export class Scheduler {
  private readonly leading: readonly Filter[];
  private readonly trailing: readonly Filter[];
  private decisions = 0;
  private readonly prunable: boolean;
  private readonly tables = new Map<string, CandidateTable>();

  constructor(
    readonly profile: Profile,
    private readonly random: () => number = Math.random,
    private readonly timer?: PluginTimer,
  ) {
    const firstCapacity = profile.filters.findIndex((f) => f.kind === "capacity");
    const split = firstCapacity < 0 ? profile.filters.length : firstCapacity;
    this.leading = profile.filters.slice(0, split);
    this.trailing = profile.filters.slice(split);
    this.prunable = prunable(profile);
  }

  /** `limit`: how many ranked providers the caller needs (the picker may stop there). */
  decide(req: RouteRequest, providers: Iterable<ProviderView>, limit = Infinity): Decision {
    if (this.timer && this.decisions++ % PLUGIN_TIMING_SAMPLE_EVERY === 0)
      return this.decideStaged(req, providers, limit);
    const sorted = sortPicker(req.sort);
    if (!sorted && this.prunable && limit <= PRUNE_MAX_LIMIT) {
      const views = Array.isArray(providers) ? (providers as ProviderView[]) : [...providers];
      if (views.length >= PRUNE_MIN_CANDIDATES) {
        const table = this.table(req, views);
        const scored = prunedCandidates(this.profile, table, req, views, limit);
        const ranked = this.profile.picker.order(req, scored, this.random, limit);
        return { ranked, eligible: table.eligibleCount };
      }
      return this.onePass(req, views, limit);
    }
    return this.onePass(req, providers, limit);
  }

  private onePass(req: RouteRequest, providers: Iterable<ProviderView>, limit: number): Decision {
    const { leading, trailing } = this;
    const scorers = this.profile.scorers;
    const scored: Scored[] = [];
    let eligible = 0;
    next: for (const p of providers) {
      for (let i = 0; i < leading.length; i++) if (!leading[i]!.accepts(req, p)) continue next;
      eligible++;
      for (let i = 0; i < trailing.length; i++) if (!trailing[i]!.accepts(req, p)) continue next;
      let ms = 0;
      for (let i = 0; i < scorers.length; i++) {
        const { scorer, weight } = scorers[i]!;
        ms += weight * scorer.score(req, p);
      }
      scored.push({ provider: p, ms });
    }
    const picker = sortPicker(req.sort) ?? this.profile.picker;
    return { ranked: picker.order(req, scored, this.random, limit), eligible };
  }

  private table(req: RouteRequest, views: readonly ProviderView[]): CandidateTable {
    const key = requestClassKey(req);
    let table = this.tables.get(key);
    if (!table) {
      if (this.tables.size >= MAX_TABLES) this.tables.clear();
      const { model, minTrust, quantizations } = req;
      const classReq = { model, minTrust, quantizations, promptTokens: 0, maxTokens: 0 };
      table = new CandidateTable(this.profile, {
        ...classReq,
        prefixHashes: [],
        prefixBlockTokens: req.prefixBlockTokens,
      });
      this.tables.set(key, table);
    }
    table.refresh(views);
    return table;
  }

  /** Plugin by plugin over the whole list: the reference the one-pass `decide` must match. */
  decideStaged(req: RouteRequest, providers: Iterable<ProviderView>, limit = Infinity): Decision {
    let list = [...providers];
    let eligible = -1;
    for (const f of this.profile.filters) {
      if (f.kind === "capacity" && eligible < 0) eligible = list.length;
      list = this.timed(f.name, () => list.filter((p) => f.accepts(req, p)));
    }
    if (eligible < 0) eligible = list.length;
    const scored: Scored[] = list.map((provider) => ({ provider, ms: 0 }));
    for (const { scorer, weight } of this.profile.scorers) {
      this.timed(scorer.name, () => {
        for (const s of scored) s.ms += weight * scorer.score(req, s.provider);
      });
    }
    const picker = sortPicker(req.sort) ?? this.profile.picker;
    const ranked = this.timed(picker.name, () => picker.order(req, scored, this.random, limit));
    return { ranked, eligible };
  }

  private timed<T>(plugin: string, run: () => T): T {
    if (!this.timer) return run();
    const start = performance.now();
    const out = run();
    this.timer.observe(plugin, performance.now() - start);
    return out;
  }
}
