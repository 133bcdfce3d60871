// Settlements per second and settle latency (p50/p99) at 1, 16 and 64 concurrent settlers against
// a throwaway embedded PostgreSQL, through the LedgerService as the coordinator wires it. The holds
// are placed first (untimed); then every settler settles one open hold after another. Half the
// consumers are referred, so half the settlements also pay a referral share.
// Run: npx tsx bench/ledger-settle.ts [-- --settlements 3000 --label after]
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { createPool, startEmbeddedPostgres } from "@darkbloom/db";
import {
  applyReferralCode,
  createLedgerService,
  migrateLedger,
  referralCodeFor,
} from "@darkbloom/ledger";
import { LedgerService } from "@darkbloom/proto";
import { benchArgs } from "../e2e/bench/bench-args.js";

const CONCURRENCIES = [1, 16, 64] as const;
const CONSUMERS = 10;
const PROVIDERS = 5;
const HOLD_PLACERS = 32;

const args = benchArgs();
const settlementsPerLevel = args.num("settlements", 2_000);
const label = args.str("label") ?? "ledger";

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

const server = await startEmbeddedPostgres();
const pool = await createPool(server.url, { maximumPoolSize: 40 });
try {
  await migrateLedger(pool);
  const transport = createRouterTransport(({ service }) =>
    service(LedgerService, createLedgerService(pool, { referralSharePercent: 10 })),
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
  for (const concurrency of CONCURRENCIES) {
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
    latencies.sort((a, b) => a - b);
    rows.push(
      `| ${label} | ${concurrency} | ${ids.length} | ${(ids.length / seconds).toFixed(0)} | ` +
        `${percentile(latencies, 50).toFixed(2)} | ${percentile(latencies, 99).toFixed(2)} |`,
    );
  }
  console.log("| run | settlers | settlements | settlements/s | settle p50 ms | settle p99 ms |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const row of rows) console.log(row);
} finally {
  await pool.end();
  await server.stop();
}
