import OpenAI from "openai";
import { pumpHeartbeats } from "../chaos/manual-stream.js";
import { scrapeMetric } from "../chaos/metrics.js";
import { startCluster } from "../testbed/cluster.js";
import { ledgerHealth } from "../testbed/ledger-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { EventBus } from "../testbed/timing/event-bus.js";
import { markdownTable } from "../testbed/timing/markdown.js";
import { SegmentCollector } from "../testbed/timing/segment-collector.js";
import { auditAccounting } from "./accounting.js";
import { runLoad } from "./load-generator.js";

export interface SoakOptions {
  seconds: number;
  /** Windows the run is cut into (one table row each). */
  windows: number;
  ratePerSecond: number;
  /** 0: fake providers only; N: N real provider processes (test model). */
  realProviders: number;
  maxTokens: number;
}

/**
 * Open-loop load for a set time against a coordinator with a shared Postgres; reports per window
 * the request count, errors, p50/p99 to completion, coordinator RSS, heap and active handles, then
 * the drift from the first to the last window (flat is the pass) and the accounting audit.
 */
export async function soak(o: SoakOptions): Promise<string> {
  const cluster = await startCluster({
    providers: o.realProviders,
    fakeProvidersPerCoordinator: o.realProviders > 0 ? 0 : 3,
    users: 4,
    creditMicroUsd: 1_000_000_000n,
  });
  const stopPump = pumpHeartbeats(cluster.fakes.flat(), 1_000);
  try {
    const url = cluster.coordinators[0]?.url ?? "";
    const metricsUrl = cluster.coordinators[0]?.metricsUrl ?? "";
    const clients = cluster.users.map(
      (u) => new OpenAI({ baseURL: `${url}/v1`, apiKey: u.apiKey, maxRetries: 0, timeout: 60_000 }),
    );
    const rows: Array<Record<string, string | number>> = [];
    const windowMs = (o.seconds * 1000) / o.windows;
    const all = [];
    for (let w = 0; w < o.windows; w++) {
      const bus = new EventBus();
      const segments = new SegmentCollector();
      bus.subscribe(segments.collect);
      const result = await runLoad(
        {
          mode: "open",
          ratePerSecond: o.ratePerSecond,
          maxRequests: Math.ceil((o.ratePerSecond * windowMs) / 1000) + 1,
          maxDurationMs: windowMs,
          streamShare: 0.5,
          models: [TEST_MODEL_ID],
          maxTokens: o.maxTokens,
          clients,
          runId: `soak-${w}`,
          seed: w + 1,
        },
        bus,
      );
      all.push(...result.records);
      const p = segments.profile(`window ${w}`);
      const mib = async (m: string): Promise<string> =>
        ((await scrapeMetric(metricsUrl, m)) / 1048576).toFixed(1);
      rows.push({
        window: w + 1,
        requests: p.requests,
        errors: p.errors,
        "p50 ms": (p.segments["client.complete"]?.p50 ?? 0).toFixed(1),
        "p99 ms": (p.segments["client.complete"]?.p99 ?? 0).toFixed(1),
        "RSS MiB": await mib("process_resident_memory_bytes"),
        "heap MiB": await mib("nodejs_heap_size_used_bytes"),
        handles: await scrapeMetric(metricsUrl, "nodejs_active_handles_total"),
      });
    }
    const first = rows[0];
    const last = rows[rows.length - 1];
    const drift = (k: string): string =>
      first && last ? (Number(last[k]) - Number(first[k])).toFixed(1) : "–";
    const problems = await auditAccounting(cluster.postgres.pool, all);
    const health = await ledgerHealth(cluster.postgres.pool);
    return (
      `Soak: ${o.seconds} s at ${o.ratePerSecond} req/s (${o.realProviders > 0 ? `${o.realProviders} real providers` : "3 fake providers"})\n\n` +
      markdownTable(rows) +
      `\nDrift first → last window: p99 ${drift("p99 ms")} ms, RSS ${drift("RSS MiB")} MiB, heap ${drift("heap MiB")} MiB, handles ${drift("handles")}\n` +
      `Accounting: ${problems.length === 0 ? "exact" : `${problems.length} problems: ${problems.slice(0, 5).join("; ")}`}; ledger total ${health.totalMicroUsd} µUSD; open holds ${health.openHolds.length}\n`
    );
  } finally {
    stopPump();
    await cluster.stop();
  }
}
