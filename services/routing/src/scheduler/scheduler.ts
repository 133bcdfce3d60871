import type { Profile } from "./profile.js";
import type { ProviderView, RouteRequest, Scored } from "./types.js";

export interface Decision {
  /** Admissible providers, best first. */
  ranked: Scored[];
  /** Providers that could serve the request at all (passed every eligibility filter). */
  eligible: number;
}

export interface PluginTimer {
  observe(plugin: string, ms: number): void;
}

/** Runs one profile: filters in order, weighted scorers (ms of expected delay), then the picker. */
export class Scheduler {
  constructor(
    readonly profile: Profile,
    private readonly random: () => number = Math.random,
    private readonly timer?: PluginTimer,
  ) {}

  /** `limit`: how many ranked providers the caller needs (the picker may stop there). */
  decide(req: RouteRequest, providers: Iterable<ProviderView>, limit = Infinity): Decision {
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
    const ranked = this.timed(this.profile.picker.name, () =>
      this.profile.picker.order(req, scored, this.random, limit),
    );
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
