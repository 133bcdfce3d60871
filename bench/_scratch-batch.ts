import { createPool, startEmbeddedPostgres } from "@darkbloom/db";
import { createLedgerService, migrateLedger } from "@darkbloom/ledger";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { LedgerService } from "@darkbloom/proto";
import { lockHolds, readHoldStates, insertSettlements } from "../services/ledger/src/settlement-batch-store.js";
import { planSettlement } from "../services/ledger/src/settle.js";
import { lockAccounts } from "../services/ledger/src/store.js";

const server = await startEmbeddedPostgres();
const pool = await createPool(server.url, { maximumPoolSize: 40 });
await migrateLedger(pool);
const client = createClient(LedgerService, createRouterTransport(({ service }) => service(LedgerService, createLedgerService(pool, { referralSharePercent: 10 }))));
for (let c = 0; c < 10; c++) await client.credit({ accountId: `c${c}`, amountMicroUsd: 10n ** 15n, reason: "b", idempotencyKey: `c${c}` });
const N = 64;
for (let round = 0; round < 6; round++) {
  const ids = Array.from({ length: N }, (_, i) => `r${round}-${i}`);
  await Promise.all(ids.map((id, i) => client.hold({ requestId: id, accountId: `c${i % 10}`, model: "x", maxPromptTokens: 1000, maxCompletionTokens: 1000 })));
  const t: number[] = [performance.now()];
  await pool.transaction(async (tx) => {
    t.push(performance.now());
    const holds = await lockHolds(tx, ids); t.push(performance.now());
    const states = await readHoldStates(tx, ids); t.push(performance.now());
    const plans = ids.map((id, i) => planSettlement(holds.get(id)!, { requestId: id, providerAccountId: `p${i % 5}`, promptTokens: 400, completionTokens: 300 }, states.get(id)!.referrerId, { referralSharePercent: 10 }));
    t.push(performance.now());
    await lockAccounts(tx, plans.flatMap((p) => p.accounts)); t.push(performance.now());
    let captured: any;
    await insertSettlements({ query: async (q: any) => { captured = q; } } as any, plans);
    const res = await tx.query({ ...captured, sql: "EXPLAIN (ANALYZE, TIMING ON) " + captured.sql } as any);
    if (round === 5) console.log(res.rows.map((r: any) => r["QUERY PLAN"]).join("\n"));
    t.push(performance.now());
  });
  t.push(performance.now());
  console.log(t.slice(1).map((x, i) => (x - (t[i] ?? 0)).toFixed(2)).join(" "), "total", ((t.at(-1) ?? 0) - (t[0] ?? 0)).toFixed(2));
}
await pool.end(); await server.stop();
