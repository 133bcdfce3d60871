// The coordinator's own traffic figures for the admin console: requests of the inference routes
// bucketed per interval (count, 4xx, 5xx, TTFT and latency samples), the last `size` intervals
// kept in memory. Percentiles come from at most `maxSamples` samples per interval (a reservoir).

/** One finished inference request. */
export interface TrafficSample {
  /** When it ended (epoch ms). */
  atMs: number;
  /** HTTP status it ended with (a stream that failed midway: the error's status). */
  status: number;
  /** Arrival to first token (ms); undefined when no token came. */
  ttftMs?: number | undefined;
  /** Arrival to end (ms). */
  latencyMs: number;
}

export interface TrafficInterval {
  startMs: number;
  requests: number;
  clientErrors: number;
  serverErrors: number;
  ttftP50Ms: number;
  ttftP95Ms: number;
  ttftP99Ms: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
}

export interface TrafficRecorder {
  record(sample: TrafficSample): void;
}

interface Bucket {
  index: number;
  requests: number;
  clientErrors: number;
  serverErrors: number;
  ttft: Reservoir;
  latency: Reservoir;
}

class Reservoir {
  readonly values: number[] = [];
  private seen = 0;
  constructor(
    private readonly cap: number,
    private readonly random: () => number,
  ) {}

  add(v: number): void {
    this.seen++;
    if (this.values.length < this.cap) this.values.push(v);
    else {
      const j = Math.floor(this.random() * this.seen);
      if (j < this.cap) this.values[j] = v;
    }
  }
}

/** Nearest-rank percentile of `sorted` (ascending); 0 for no samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

export interface TrafficRingOptions {
  /** Interval length (default 10 s). */
  intervalMs?: number;
  /** Intervals kept (default 360: an hour of 10 s intervals). */
  size?: number;
  /** Samples kept per interval for the percentiles (default 1,000). */
  maxSamples?: number;
  now?: () => number;
  random?: () => number;
}

export class TrafficRing implements TrafficRecorder {
  readonly intervalMs: number;
  private readonly size: number;
  private readonly maxSamples: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly buckets: Bucket[] = [];
  private readonly firstIndex: number;

  constructor(options: TrafficRingOptions = {}) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.size = options.size ?? 360;
    this.maxSamples = options.maxSamples ?? 1_000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.firstIndex = Math.floor(this.now() / this.intervalMs);
  }

  record(sample: TrafficSample): void {
    const index = Math.floor(sample.atMs / this.intervalMs);
    let bucket = this.buckets.find((b) => b.index === index);
    if (!bucket) {
      bucket = {
        index,
        requests: 0,
        clientErrors: 0,
        serverErrors: 0,
        ttft: new Reservoir(this.maxSamples, this.random),
        latency: new Reservoir(this.maxSamples, this.random),
      };
      this.buckets.push(bucket);
      this.buckets.sort((a, b) => a.index - b.index);
      while (this.buckets.length > this.size) this.buckets.shift();
    }
    bucket.requests++;
    if (sample.status >= 500) bucket.serverErrors++;
    else if (sample.status >= 400) bucket.clientErrors++;
    if (sample.ttftMs !== undefined) bucket.ttft.add(sample.ttftMs);
    bucket.latency.add(sample.latencyMs);
  }

  /**
   * Every interval from the ring's start (or `size` intervals back) to the current one, oldest
   * first; intervals without requests are there with zeros, so the series is a time axis.
   */
  snapshot(): TrafficInterval[] {
    const current = Math.floor(this.now() / this.intervalMs);
    const from = Math.max(this.firstIndex, current - this.size + 1);
    const byIndex = new Map(this.buckets.map((b) => [b.index, b]));
    const out: TrafficInterval[] = [];
    for (let i = from; i <= current; i++) {
      const b = byIndex.get(i);
      const ttft = [...(b?.ttft.values ?? [])].sort((x, y) => x - y);
      const latency = [...(b?.latency.values ?? [])].sort((x, y) => x - y);
      out.push({
        startMs: i * this.intervalMs,
        requests: b?.requests ?? 0,
        clientErrors: b?.clientErrors ?? 0,
        serverErrors: b?.serverErrors ?? 0,
        ttftP50Ms: percentile(ttft, 50),
        ttftP95Ms: percentile(ttft, 95),
        ttftP99Ms: percentile(ttft, 99),
        latencyP50Ms: percentile(latency, 50),
        latencyP95Ms: percentile(latency, 95),
        latencyP99Ms: percentile(latency, 99),
      });
    }
    return out;
  }
}
