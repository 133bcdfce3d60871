// Test helper: a LedgerService client over the in-process router transport and a fresh database.
import { createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { LedgerService } from "@darkbloom/proto";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { ledgerMigrations } from "./migrations.js";
import { createLedgerService } from "./service.js";
import type { SettleOptions } from "./settle.js";

export type LedgerHarness = {
  readonly db: TestDatabase;
  readonly client: Client<typeof LedgerService>;
};

export async function startLedgerHarness(
  maximumPoolSize = 20,
  options: SettleOptions = { referralSharePercent: 0 },
): Promise<LedgerHarness> {
  const db = await startTestDatabase({ migrations: [ledgerMigrations], maximumPoolSize });
  const transport = createRouterTransport(({ service }) => {
    service(LedgerService, createLedgerService(db.pool, options));
  });
  return { db, client: createClient(LedgerService, transport) };
}
