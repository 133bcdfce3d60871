import { expect } from "chai";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { createMetricsRegistry } from "@darkbloom/telemetry";
import { CHART, REPO, one, renderChart } from "../../testing/helm.js";

interface Panel {
  id: number;
  title: string;
  type: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string }[];
}

/** Non-test TypeScript under a folder (skipping testing/, fakes/, fixtures/). */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory())
      return ["node_modules", "testing", "fakes", "fixtures"].includes(name) ? [] : sources(full);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [full] : [];
  });
}

/** Every darkbloom_* metric the coordinator's code defines; histograms also expose _bucket/_sum/_count. */
function definedMetrics(): Set<string> {
  const roots = [
    ...readdirSync(path.join(REPO, "services")).map((s) => path.join(REPO, "services", s, "src")),
    path.join(REPO, "libs/telemetry/src"),
  ];
  const names = new Set<string>();
  for (const file of roots.flatMap(sources)) {
    const text = readFileSync(file, "utf8");
    // Metric definitions (`name: "darkbloom_…"`), not other strings such as NOTIFY channels.
    for (const m of text.matchAll(/\bname:\s*["'](darkbloom_[a-z0-9_]+)["']/g)) names.add(m[1]!);
    // …and helpers called with the name then its help text: counter("darkbloom_…", "Holds …").
    for (const m of text.matchAll(/\(\s*["'](darkbloom_[a-z0-9_]+)["'],\s*["'][A-Z]/g))
      names.add(m[1]!);
    for (const m of text.matchAll(/new Histogram\(\{\s*name:\s*["'](darkbloom_[a-z0-9_]+)["']/g))
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(m[1]! + suffix);
  }
  return names;
}

const PROMQL_WORDS = new Set([
  "sum",
  "rate",
  "irate",
  "increase",
  "histogram_quantile",
  "by",
  "without",
  "max",
  "min",
  "avg",
  "count",
  "topk",
  "bottomk",
  "le",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
]);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or strings. */
export function metricsIn(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, "")
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, "");
  return [...stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    .map((m) => m[0])
    .filter((word) => !PROMQL_WORDS.has(word));
}

describe("charts/darkbloom: Grafana dashboard", function () {
  this.timeout(30_000);
  const dashboard = JSON.parse(readFileSync(path.join(CHART, "files/dashboard.json"), "utf8")) as {
    panels: Panel[];
    templating: { list: { definition?: string }[] };
  };
  const expressions = [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...dashboard.templating.list.flatMap((v) =>
      v.definition ? [v.definition.replace(/^label_values\(([^,]+),.*$/, "$1")] : [],
    ),
  ];

  it("is a ConfigMap labelled grafana_dashboard=1 holding the dashboard JSON", async () => {
    const configMap = one(await renderChart(), "ConfigMap", "test-darkbloom-dashboard");
    expect(configMap.metadata.labels?.grafana_dashboard).to.equal("1");
    const json = (configMap.data as Record<string, string>)["darkbloom-coordinator.json"]!;
    expect(JSON.parse(json)).to.deep.equal(dashboard);
  });

  it("queries only metrics the coordinator really exports", () => {
    const defined = definedMetrics();
    // prom-client default metrics, which the coordinator turns on (compose.ts).
    const compose = readFileSync(path.join(REPO, "services/coordinator/src/compose.ts"), "utf8");
    expect(compose).to.match(/createMetricsRegistry\(\{\s*defaultMetrics:\s*true\s*\}\)/);
    const registry = createMetricsRegistry({ defaultMetrics: true });
    const defaults = new Set(registry.getMetricsAsArray().map((m) => m.name));
    registry.clear();
    const used = new Set(expressions.flatMap(metricsIn));
    expect(used.size).to.be.greaterThan(15);
    const unknown = [...used].filter((name) => !defined.has(name) && !defaults.has(name));
    expect(unknown, `metrics the dashboard queries but no code defines`).to.deep.equal([]);
  });

  it("covers the coordinator's darkbloom_* metrics (every one appears in a panel)", () => {
    const used = new Set(expressions.flatMap(metricsIn));
    const missing = [...definedMetrics()]
      .filter((n) => !/_(bucket|sum|count)$/.test(n) && !/_id$/.test(n))
      .filter((n) => !used.has(n) && !used.has(`${n}_bucket`));
    expect(missing).to.deep.equal([]);
  });

  it("is well formed for Grafana: unique panel ids, panels inside the 24-column grid, no overlaps", () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).to.equal(ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).to.be.at.most(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).to.equal(false);
          cells.add(`${x},${y}`);
        }
      if (p.type !== "row") expect(p.targets ?? [], p.title).to.not.be.empty;
    }
  });

  it("the metric extractor sees through functions, labels, ranges and grouping", () => {
    expect(
      metricsIn(
        'histogram_quantile(0.99, sum by (le, plugin)(rate(darkbloom_routing_plugin_seconds_bucket{job=~"$job"}[5m])))',
      ),
    ).to.deep.equal(["darkbloom_routing_plugin_seconds_bucket"]);
    expect(metricsIn("sum(darkbloom_made_up_total) / process_cpu_seconds_total")).to.deep.equal([
      "darkbloom_made_up_total",
      "process_cpu_seconds_total",
    ]);
  });
});
