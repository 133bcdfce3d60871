// Over 100 lines: the simulation loop (arrival, admission, queue, hedge, completion) in one place.
import { TrustLevel } from "@darkbloom/proto";
import { DEFAULT_HEDGE, hedgeDelayMs, type HedgeOptions } from "../hedging/hedge-delay.js";
import { expectedWaitMs } from "../queue/expected-wait.js";
import { PREFIX_BLOCK_TOKENS } from "../scheduler/scorers/prefix-affinity.js";
import { resolveProfile } from "../scheduler/profile.js";
import { Scheduler } from "../scheduler/scheduler.js";
import type { RouteRequest } from "../scheduler/types.js";
import { ProviderStats } from "../stats/provider-stats.js";
import { EventHeap } from "./event-heap.js";
import type { Fleet } from "./fleet.js";
import { mulberry32 } from "@darkbloom/random";
import { SimProvider, type Dispatch } from "./sim-provider.js";
import type { TraceEntry } from "./trace.js";

export interface SimOptions {
  policy: string;
  seed: number;
  queueTimeoutMs: number;
  maxQueueDepth: number;
  hedge: HedgeOptions;
}

export const DEFAULT_SIM_OPTIONS: Omit<SimOptions, "policy"> = {
  seed: 1,
  queueTimeoutMs: 120_000,
  maxQueueDepth: 256,
  hedge: DEFAULT_HEDGE,
};

interface RequestRecord {
  entry: TraceEntry;
  req: RouteRequest;
  outcome: "queued" | "served" | "rejected";
  firstTokenAt: number;
  endAt: number;
  hedged: boolean;
  cachedTokens: number;
}

export interface SimResult {
  policy: string;
  records: readonly RequestRecord[];
  utilization: number;
}

/** Replays a trace against a simulated fleet in simulated time, with the production scheduler. */
export function simulate(
  trace: readonly TraceEntry[],
  fleet: Fleet,
  options: SimOptions,
): SimResult {
  const random = mulberry32(options.seed);
  const stats = new ProviderStats();
  const providers = fleet.providers.flatMap((c, ci) =>
    Array.from({ length: c.count }, (_, i) => new SimProvider(`${c.chip}#${ci}.${i}`, c, stats)),
  );
  const byId = new Map(providers.map((p) => [p.id, p]));
  const scheduler = new Scheduler(resolveProfile(options.policy), random);
  const hedging = options.policy.startsWith("ours") && options.hedge.enabled;
  const clock = new EventHeap();
  const queues = new Map<string, RequestRecord[]>();
  const records: RequestRecord[] = [];

  const views = () => providers.map((p) => p.view(clock.now));

  const start = (rec: RequestRecord, p: SimProvider): Dispatch => {
    const out = rec.entry.outputTokens ?? rec.entry.maxTokens;
    const d = p.dispatch(rec.req, out, clock.now, random);
    const dispatchedAt = clock.now;
    clock.schedule(d.seq.firstTokenAt, () => {
      stats.recordFirstToken(p.id, rec.req.model, d.seq.firstTokenAt - dispatchedAt);
      if (d.stalled) stats.recordOutcome(p.id, "timeout");
    });
    clock.schedule(d.seq.endAt, () => {
      p.advance(clock.now);
      if (d.seq.endAt >= d.seq.firstTokenAt && !d.stalled) {
        stats.recordDecode(p.id, rec.req.model, out, d.seq.endAt - d.seq.firstTokenAt);
        stats.recordOutcome(p.id, "ok");
        stats.recordServiceMs(rec.req.model, d.seq.endAt - dispatchedAt);
      }
      pump(rec.req.model);
    });
    return d;
  };

  const tryDispatch = (rec: RequestRecord): boolean => {
    const first = scheduler.decide(rec.req, views(), 1).ranked[0];
    if (!first) return false;
    const p = byId.get(first.provider.id) as SimProvider;
    const a = start(rec, p);
    Object.assign(rec, {
      outcome: "served",
      firstTokenAt: a.seq.firstTokenAt,
      endAt: a.seq.endAt,
      cachedTokens: a.cachedTokens,
    });
    if (!hedging) return true;
    const hedgeAt = clock.now + hedgeDelayMs(stats.ttftMs(p.id, rec.req.model), options.hedge);
    if (a.seq.firstTokenAt <= hedgeAt) return true;
    clock.schedule(hedgeAt, () => {
      const alt = scheduler.decide(rec.req, views(), 2).ranked.find((s) => s.provider.id !== p.id);
      if (!alt) return;
      const q = byId.get(alt.provider.id) as SimProvider;
      const b = start(rec, q);
      rec.hedged = true;
      if (b.seq.firstTokenAt < a.seq.firstTokenAt) {
        p.cancel(a.seq, b.seq.firstTokenAt);
        Object.assign(rec, {
          firstTokenAt: b.seq.firstTokenAt,
          endAt: b.seq.endAt,
          cachedTokens: b.cachedTokens,
        });
      } else {
        q.cancel(b.seq, a.seq.firstTokenAt);
      }
    });
    return true;
  };

  const pump = (model: string): void => {
    const q = queues.get(model) ?? [];
    while (q.length > 0 && tryDispatch(q[0] as RequestRecord)) q.shift();
  };

  for (const entry of trace) {
    clock.schedule(entry.atMs, () => {
      const req: RouteRequest = {
        model: entry.model,
        promptTokens: entry.promptTokens,
        maxTokens: entry.maxTokens,
        minTrust: TrustLevel.UNSPECIFIED,
        prefixHashes: entry.prefix,
        prefixBlockTokens: PREFIX_BLOCK_TOKENS,
        quantizations: [],
      };
      const rec: RequestRecord = {
        entry,
        req,
        outcome: "queued",
        firstTokenAt: 0,
        endAt: 0,
        hedged: false,
        cachedTokens: 0,
      };
      records.push(rec);
      const q = queues.get(entry.model) ?? [];
      queues.set(entry.model, q);
      if (q.length === 0 && tryDispatch(rec)) return;
      let running = 0;
      for (const v of views()) running += v.slots.get(entry.model)?.running ?? 0;
      const wait = expectedWaitMs(q.length, running, stats.serviceMs(entry.model));
      const limit = Math.min(options.queueTimeoutMs, entry.maxWaitMs ?? Infinity);
      if (q.length >= options.maxQueueDepth || wait > limit) {
        rec.outcome = "rejected";
        return;
      }
      q.push(rec);
      clock.schedule(clock.now + limit, () => {
        const i = q.indexOf(rec);
        if (i < 0) return;
        q.splice(i, 1);
        rec.outcome = "rejected";
      });
    });
  }
  clock.run();
  const end = clock.now;
  for (const p of providers) p.finish(end);
  const busy = providers.reduce((n, p) => n + p.busyMs, 0);
  return {
    policy: options.policy,
    records,
    utilization: busy / Math.max(1, providers.length * end),
  };
}
