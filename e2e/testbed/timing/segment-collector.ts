import type { LoadEvent, RequestRecord } from "./event-bus.js";
import { summarize, type Summary } from "./percentiles.js";

/** Per-segment latency summary: the JSON form of a latency profile. */
export interface LatencyProfile {
  label: string;
  requests: number;
  errors: number;
  segments: Record<string, Summary>;
}

/** Client-side segments derived from one record (ms). */
export function clientSegments(r: RequestRecord): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  if (r.headersMs !== undefined) out.push(["client.headers", r.headersMs]);
  if (r.firstTokenMs !== undefined) out.push(["client.first_token", r.firstTokenMs]);
  r.chunkMs.forEach((t, i) => {
    const prev = i === 0 ? undefined : r.chunkMs[i - 1];
    if (prev !== undefined) out.push(["client.chunk_gap", t - prev]);
  });
  if (r.completeMs !== undefined) out.push(["client.complete", r.completeMs]);
  return out;
}

/** Collects per-segment samples: server segments from X-Timing (`server.<name>`) and client ones. */
export class SegmentCollector {
  private readonly samples = new Map<string, number[]>();
  private requests = 0;
  private errors = 0;

  readonly collect = (event: LoadEvent): void => {
    if (event.type !== "finished") return;
    const r = event.record;
    this.requests++;
    if (r.error !== undefined) this.errors++;
    for (const e of r.server) this.add(`server.${e.name}`, e.durMs);
    for (const [name, ms] of clientSegments(r)) this.add(name, ms);
  };

  profile(label: string): LatencyProfile {
    const segments: Record<string, Summary> = {};
    for (const name of [...this.samples.keys()].sort()) {
      segments[name] = summarize(this.samples.get(name) ?? []);
    }
    return { label, requests: this.requests, errors: this.errors, segments };
  }

  private add(name: string, ms: number): void {
    const list = this.samples.get(name) ?? [];
    list.push(ms);
    this.samples.set(name, list);
  }
}

/** Keeps every finished record (for accounting and content checks). */
export class RecordCollector {
  readonly records: RequestRecord[] = [];
  readonly collect = (event: LoadEvent): void => {
    if (event.type === "finished") this.records.push(event.record);
  };
}
