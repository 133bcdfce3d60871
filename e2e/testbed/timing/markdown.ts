import type { LatencyProfile } from "./segment-collector.js";

const ms = (v: number): string => v.toFixed(1);

/** A markdown table of any rows (first row's keys are the columns). */
export function markdownTable(rows: ReadonlyArray<Record<string, string | number>>): string {
  const first = rows[0];
  if (!first) return "(no rows)\n";
  const cols = Object.keys(first);
  const line = (cells: Array<string | number>): string => `| ${cells.join(" | ")} |`;
  return (
    [
      line(cols),
      line(cols.map(() => "---")),
      ...rows.map((r) => line(cols.map((c) => r[c] ?? ""))),
    ].join("\n") + "\n"
  );
}

export function profileToMarkdown(p: LatencyProfile): string {
  const rows = Object.entries(p.segments).map(([segment, s]) => ({
    segment,
    count: s.count,
    "p50 ms": ms(s.p50),
    "p95 ms": ms(s.p95),
    "p99 ms": ms(s.p99),
    "max ms": ms(s.max),
  }));
  return `**${p.label}** — ${p.requests} requests, ${p.errors} errors\n\n${markdownTable(rows)}`;
}

/** Segment-by-segment comparison of two profiles (after − before), for a change's review. */
export function diffToMarkdown(before: LatencyProfile, after: LatencyProfile): string {
  const names = [...new Set([...Object.keys(before.segments), ...Object.keys(after.segments)])];
  const delta = (a: number | undefined, b: number | undefined): string =>
    a === undefined || b === undefined ? "n/a" : `${b - a >= 0 ? "+" : ""}${ms(b - a)}`;
  const rows = names.sort().map((segment) => {
    const a = before.segments[segment];
    const b = after.segments[segment];
    return {
      segment,
      [`p50 ${before.label}`]: a ? ms(a.p50) : "–",
      [`p50 ${after.label}`]: b ? ms(b.p50) : "–",
      "Δp50 ms": delta(a?.p50, b?.p50),
      "Δp95 ms": delta(a?.p95, b?.p95),
      "Δp99 ms": delta(a?.p99, b?.p99),
    };
  });
  return markdownTable(rows);
}
