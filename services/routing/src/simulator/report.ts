import type { SimResult } from "./simulate.js";

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export interface SimSummary {
  policy: string;
  ttftP50: number;
  ttftP95: number;
  ttftP99: number;
  ttftMean: number;
  e2eP50: number;
  e2eP99: number;
  utilization: number;
  rejectRate: number;
  hedgeRate: number;
  prefixHitRate: number;
}

export function summarize(r: SimResult): SimSummary {
  const served = r.records.filter((x) => x.outcome === "served");
  const ttft = served.map((x) => x.firstTokenAt - x.entry.atMs).sort((a, b) => a - b);
  const e2e = served.map((x) => x.endAt - x.entry.atMs).sort((a, b) => a - b);
  const prompt = served.reduce((n, x) => n + x.entry.promptTokens, 0);
  return {
    policy: r.policy,
    ttftP50: percentile(ttft, 50),
    ttftP95: percentile(ttft, 95),
    ttftP99: percentile(ttft, 99),
    ttftMean: ttft.reduce((a, b) => a + b, 0) / Math.max(1, ttft.length),
    e2eP50: percentile(e2e, 50),
    e2eP99: percentile(e2e, 99),
    utilization: r.utilization,
    rejectRate:
      r.records.filter((x) => x.outcome === "rejected").length / Math.max(1, r.records.length),
    hedgeRate: served.filter((x) => x.hedged).length / Math.max(1, served.length),
    prefixHitRate: served.reduce((n, x) => n + x.cachedTokens, 0) / Math.max(1, prompt),
  };
}

const s = (ms: number): string => (ms / 1000).toFixed(2);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function markdownTable(rows: readonly SimSummary[]): string {
  const head =
    "| policy | TTFT p50 s | TTFT p95 s | TTFT p99 s | TTFT mean s | e2e p50 s | e2e p99 s | utilization | 429 rate | hedge rate | prefix hit |\n" +
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
  const lines = rows.map(
    (r) =>
      `| ${r.policy} | ${s(r.ttftP50)} | ${s(r.ttftP95)} | ${s(r.ttftP99)} | ${s(r.ttftMean)} | ${s(r.e2eP50)} | ${s(r.e2eP99)} | ${pct(r.utilization)} | ${pct(r.rejectRate)} | ${pct(r.hedgeRate)} | ${pct(r.prefixHitRate)} |`,
  );
  return [head, ...lines].join("\n");
}
