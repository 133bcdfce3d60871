// Settlements per second (hold + settle, each its own Postgres transaction) at several
// concurrencies against a throwaway embedded PostgreSQL; half the consumers are referred, so half
// the settlements also pay a referral share. Run: npx tsx bench/ledger-settle.ts
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { createPool, startEmbeddedPostgres } from "@darkbloom/db";
import {
  applyReferralCode,
  createLedgerService,
  migrateLedger,
  referralCodeFor,
} from "@darkbloom/ledger";
import { LedgerService } from "@darkbloom/proto";

const CONCURRENCIES = [1, 8, 32] as const;
const DURATION_MS = 5_000;
const CONSUMERS = 10;
const PROVIDERS = 5;

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
  let sequence = 0;
  const settleOne = async (): Promise<void> => {
    const n = sequence++;
    const requestId = `bench-${n}`;
    await client.hold({
      requestId,
      accountId: `bench-c${n % CONSUMERS}`,
      model: "default",
      maxPromptTokens: 1_000,
      maxCompletionTokens: 1_000,
    });
    await client.settle({
      requestId,
      providerAccountId: `bench-p${n % PROVIDERS}`,
      usage: { promptTokens: 400, completionTokens: 300 },
    });
  };
  const rows: string[] = [];
  for (const concurrency of CONCURRENCIES) {
    let completed = 0;
    const deadline = performance.now() + DURATION_MS;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          await settleOne();
          completed++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1_000;
    rows.push(
      `| ${concurrency} | ${completed} | ${(completed / seconds).toFixed(0)} | ${((seconds * 1_000 * concurrency) / completed).toFixed(2)} |`,
    );
  }
  console.log("| concurrency | settlements | settlements/s | mean ms per hold+settle |");
  console.log("|---:|---:|---:|---:|");
  for (const row of rows) console.log(row);
} finally {
  await pool.end();
  await server.stop();
}
