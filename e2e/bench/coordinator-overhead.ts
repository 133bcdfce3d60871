import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { runLoad } from "../load/load-generator.js";
import { REPO_ROOT, spawnTs, type Spawned } from "../testbed/child-process.js";
import { ensureTestModel, TEST_MODEL_ID } from "../testbed/test-model.js";
import { startCoordinator, startProvider, waitForModel } from "../testbed/testbed.js";
import { EventBus } from "../testbed/timing/event-bus.js";
import { markdownTable } from "../testbed/timing/markdown.js";
import { SegmentCollector, type LatencyProfile } from "../testbed/timing/segment-collector.js";

export interface OverheadOptions {
  concurrencies: number[];
  maxTokens: number;
  /** Requests per level = max(minRequests, 2 × concurrency). */
  minRequests: number;
}

interface Measured {
  profile: LatencyProfile;
  requestsPerSecond: number;
  /** "status code" → count, e.g. "429 rate_limit_exceeded" → 3; a refusal is not a slowdown. */
  errors: Map<string, number>;
}

/** Failures by status and code, so a table shows 429s (admission working) apart from 5xx. */
function errorBreakdown(
  records: readonly { status: number; error?: string }[],
): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records) {
    if (r.error === undefined) continue;
    const key = `${r.status || "network"} ${r.error}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

const describeErrors = (m: ReadonlyMap<string, number>): string =>
  m.size === 0
    ? "0"
    : [...m]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${n}× ${k}`)
        .join(", ");

async function measure(
  baseURL: string,
  apiKey: string,
  concurrency: number,
  o: OverheadOptions,
  label: string,
): Promise<Measured> {
  const bus = new EventBus();
  const segments = new SegmentCollector();
  bus.subscribe(segments.collect);
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 300_000 });
  const result = await runLoad(
    {
      mode: "closed",
      concurrency,
      maxRequests: Math.max(o.minRequests, 2 * concurrency),
      maxDurationMs: 600_000,
      streamShare: 1,
      models: [TEST_MODEL_ID],
      maxTokens: o.maxTokens,
      clients: [client],
      runId: `${label}-${concurrency}-${Date.now()}`,
    },
    bus,
  );
  return {
    profile: segments.profile(label),
    requestsPerSecond:
      (result.records.filter((r) => r.error === undefined).length * 1000) / result.wallMs,
    errors: errorBreakdown(result.records),
  };
}

/** `darkbloom local` on a free port; undefined when the command is not available. */
async function startLocal(): Promise<{ url: string; proc: Spawned; home: string } | undefined> {
  const home = await mkdtemp(path.join(tmpdir(), "darkbloom-local-"));
  const proc = spawnTs(
    path.join(REPO_ROOT, "provider/src/cli/main.ts"),
    ["local", "--port", "0", "--model", await ensureTestModel()],
    { DARKBLOOM_HOME: home, LOG_LEVEL: "warn" },
  );
  try {
    const [, url] = (await proc.waitFor(
      /local OpenAI API on (http:\/\/\S+\/v1)/,
      60_000,
    )) as unknown as [string, string];
    return { url, proc, home };
  } catch (err) {
    process.stderr.write(`darkbloom local unavailable: ${String(err).slice(0, 300)}\n`);
    await proc.kill();
    await rm(home, { recursive: true, force: true });
    return undefined;
  }
}

const ms = (v: number | undefined): string => (v === undefined ? "–" : v.toFixed(1));

/** Same streamed requests direct to a provider's local API and through the coordinator. */
export async function coordinatorOverhead(o: OverheadOptions): Promise<string> {
  const coordinator = await startCoordinator({ LOG_LEVEL: "error" });
  const provider = await startProvider(coordinator.url).catch(async (err: unknown) => {
    await coordinator.stop();
    throw err;
  });
  const local = await startLocal();
  try {
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    const rows: Array<Record<string, string | number>> = [];
    for (const c of o.concurrencies) {
      const direct = local ? await measure(local.url, "local", c, o, "direct") : undefined;
      const via = await measure(`${coordinator.url}/v1`, coordinator.apiKey, c, o, "coordinator");
      const d = direct?.profile.segments;
      const v = via.profile.segments;
      const added = (seg: string, p: "p50" | "p99"): string =>
        d?.[seg] && v[seg] ? ms((v[seg]?.[p] ?? 0) - (d[seg]?.[p] ?? 0)) : "–";
      rows.push({
        concurrency: c,
        requests: via.profile.requests,
        "TTFT p50 direct/coord ms": `${ms(d?.["client.first_token"]?.p50)} / ${ms(v["client.first_token"]?.p50)}`,
        "added TTFT p50 ms": added("client.first_token", "p50"),
        "added TTFT p99 ms": added("client.first_token", "p99"),
        "added completion p50 ms": added("client.complete", "p50"),
        "added completion p99 ms": added("client.complete", "p99"),
        "req/s direct/coord": `${direct ? direct.requestsPerSecond.toFixed(2) : "–"} / ${via.requestsPerSecond.toFixed(2)}`,
        "throughput ratio": direct
          ? (via.requestsPerSecond / direct.requestsPerSecond).toFixed(2)
          : "–",
        "errors direct": direct ? describeErrors(direct.errors) : "–",
        "errors coord": describeErrors(via.errors),
      });
    }
    return (
      `Coordinator overhead (streaming, max_tokens ${o.maxTokens}, test model; direct = ${local ? "`darkbloom local`" : "unavailable"})\n\n` +
      markdownTable(rows)
    );
  } finally {
    if (local) {
      await local.proc.stop();
      await rm(local.home, { recursive: true, force: true });
    }
    await provider.stop();
    await coordinator.stop();
  }
}
