import { createAccount, createApiKey } from "@darkbloom/auth";
import type { DatabasePool } from "@darkbloom/db";
import { ledgerAdminClient } from "./admin-client.js";

export interface TestUser {
  readonly accountId: string;
  readonly apiKey: string;
  readonly creditMicroUsd: bigint;
}

export interface UserPoolOptions {
  /** How many consumer accounts. */
  users: number;
  /** Starting credit of each, granted through LedgerService.Credit. */
  creditMicroUsd: bigint;
  /** Prefix of the account names (unique per pool). */
  namePrefix?: string;
}

/**
 * Consumer accounts with API keys (created with @darkbloom/auth against the shared database) and
 * funded through the coordinator's admin Connect API, as an operator would.
 */
export async function createUserPool(
  pool: DatabasePool,
  coordinatorUrl: string,
  adminKey: string,
  options: UserPoolOptions,
): Promise<TestUser[]> {
  const ledger = ledgerAdminClient(coordinatorUrl, adminKey);
  const prefix = options.namePrefix ?? `load-${Date.now().toString(36)}`;
  const users: TestUser[] = [];
  for (let i = 0; i < options.users; i++) {
    const account = await createAccount(pool, `${prefix}-${i}`, "consumer");
    const key = await createApiKey(pool, account.id, `${prefix}-${i}-key`);
    if (options.creditMicroUsd > 0n) {
      await ledger.credit({
        accountId: account.id,
        amountMicroUsd: options.creditMicroUsd,
        reason: "e2e user pool",
        idempotencyKey: `e2e:${account.id}`,
      });
    }
    users.push({ accountId: account.id, apiKey: key.key, creditMicroUsd: options.creditMicroUsd });
  }
  return users;
}
