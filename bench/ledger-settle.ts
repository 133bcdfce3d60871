// Settlements per second and settle latency (p50/p99) at 1, 16 and 64 concurrent settlers against
// a throwaway embedded PostgreSQL, through the LedgerService as the coordinator wires it (the
// in-process transport the edge calls it through, credit leases on as by default). The holds
// are placed first (untimed); then every settler settles one open hold after another. Half the
// consumers are referred, so half the settlements also pay a referral share. The machine is
// shared, so besides wall-clock rates the table gives the CPU each settlement cost this process
// and PostgreSQL (all its processes), and the rate those two would sustain on two idle cores
// (2 / (node + postgres CPU seconds per settlement)).
// Run: npx tsx bench/ledger-settle.ts [--settlements 3000 --settlers 1,16,64 --label after]
// Holds are placed against per-consumer credit leases (docs/money.md), so each settlement also
// writes its hold row (and charges the lease) in the batch; --no-lease: every hold is placed in
// Postgres first (as with DARKBLOOM_CREDIT_LEASE_MICRO_USD=0).
// The embedded PostgreSQL of this bench runs in a temp folder, so fsync is off (libs/db) unless
// --durable (fsync and synchronous_commit on, as a coordinator's data folder runs): one commit,
// so one WAL flush, per batch either way.
import { createClient, createRouterTransport, createServiceImplSpec } from "@connectrpc/connect";
import { createPool, startEmbeddedPostgres } from "@darkbloom/db";
import {
  applyReferralCode,
  CreditLeases,
  createLedgerService,
  migrateLedger,
  referralCodeFor,
} from "@darkbloom/ledger";
import { LedgerService } from "@darkbloom/proto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { benchArgs } from "../e2e/bench/bench-args.js";
import { createInProcessTransport } from "../services/coordinator/src/in-process-transport.js";

const CONSUMERS = 10;
const PROVIDERS = 5;
const HOLD_PLACERS = 32;

const args = benchArgs();
const settlementsPerLevel = args.num("settlements", 2_000);
const label = args.str("label") ?? "ledger";
const concurrencies = (args.str("settlers") ?? "1,16,64").split(",").map(Number);

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;

async function inParallel(width: number, count: number, work: (n: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/**
 * CPU seconds used so far by PostgreSQL: the postmaster, its reaped children (backends the pool
 * closed) and its live children, from /proc.
 */
async function postgresCpuSeconds(dataDir: string): Promise<number> {
  const fieldsOf = async (pid: string): Promise<string[]> => {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  };
  const ticks = (fields: readonly string[], from: number, to: number): number =>
    fields.slice(from, to + 1).reduce((sum, field) => sum + Number(field), 0);
  const postmaster = (await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0];
  // After the command: utime, stime, cutime, cstime are fields 11 to 14 (0-based).
  let total = ticks(await fieldsOf(postmaster ?? ""), 11, 14);
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = await fieldsOf(entry);
    if (fields[1] === postmaster) total += ticks(fields, 11, 14);
  }
  return total / 100;
}
const nodeCpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

const server = await startEmbeddedPostgres({ durable: args.has("durable") });
const pool = await createPool(server.url, { maximumPoolSize: 40 });
try {
  await migrateLedger(pool);
  const leases = !args.has("no-lease")
    ? new CreditLeases(pool, {
        replicaId: "bench",
        leaseMicroUsd: 10n ** 12n,
        ttlMs: 600_000,
        idleReturnMs: 600_000,
        priceCacheMs: 600_000,
        staleHoldMs: 3_600_000,
        onError: (err) => console.error(err),
      })
    : undefined;
  const transport = createInProcessTransport(
    [
      createServiceImplSpec<typeof LedgerService>(
        LedgerService,
        createLedgerService(pool, { referralSharePercent: 10, ...(leases ? { leases } : {}) }),
      ),
    ],
    createRouterTransport(() => undefined),
  );
  const client = createClient(LedgerService, transport);
  for (let c = 0; c < CONSUMERS; c++) {
    await client.credit({
      accountId: `bench-c${c}`,
      amountMicroUsd: 10n ** 15n,
      reason: "bench",
      idempotencyKey: `bench-c${c}`,
    });
  }
  for (let c = 0; c < CONSUMERS; c += 2) {
    await applyReferralCode(pool, `bench-c${c}`, await referralCodeFor(pool, `bench-c${c + 1}`));
  }
  const rows: string[] = [];
  for (const concurrency of concurrencies) {
    const ids = Array.from({ length: settlementsPerLevel }, (_, n) => `bench-${concurrency}-${n}`);
    await inParallel(HOLD_PLACERS, ids.length, async (n) => {
      await client.hold({
        requestId: ids[n] ?? "",
        accountId: `bench-c${n % CONSUMERS}`,
        model: "default",
        maxPromptTokens: 1_000,
        maxCompletionTokens: 1_000,
      });
    });
    const latencies: number[] = [];
    const [nodeBefore, postgresBefore] = [
      nodeCpuSeconds(),
      await postgresCpuSeconds(server.dataDir),
    ];
    const started = performance.now();
    await inParallel(concurrency, ids.length, async (n) => {
      const begun = performance.now();
      await client.settle({
        requestId: ids[n] ?? "",
        providerAccountId: `bench-p${n % PROVIDERS}`,
        usage: { promptTokens: 400, completionTokens: 300 },
      });
      latencies.push(performance.now() - begun);
    });
    const seconds = (performance.now() - started) / 1_000;
    const nodeMs = ((nodeCpuSeconds() - nodeBefore) * 1_000) / ids.length;
    const postgresMs =
      (((await postgresCpuSeconds(server.dataDir)) - postgresBefore) * 1_000) / ids.length;
    latencies.sort((a, b) => a - b);
    rows.push(
      `| ${label} | ${concurrency} | ${ids.length} | ${(ids.length / seconds).toFixed(0)} | ` +
        `${percentile(latencies, 50).toFixed(2)} | ${percentile(latencies, 99).toFixed(2)} | ` +
        `${nodeMs.toFixed(3)} | ${postgresMs.toFixed(3)} | ${(2_000 / (nodeMs + postgresMs)).toFixed(0)} |`,
    );
  }
  console.log(
    "| run | settlers | settlements | settlements/s | settle p50 ms | settle p99 ms | " +
      "node CPU ms/settlement | postgres CPU ms/settlement | settlements/s on 2 idle cores |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of rows) console.log(row);
  await leases?.close();
} finally {
  await pool.end();
  await server.stop();
}
