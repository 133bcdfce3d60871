// Invite codes: admin-created, single- or multi-use, each redemption credits starting funds once.
import { randomBytes } from "node:crypto";
import { ConnectError, Code } from "@connectrpc/connect";
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import { creditAccount } from "./credit.js";
import { invalidArgument, requireId } from "./ledger-errors.js";

const inviteRow = z.object({
  code: z.string(),
  credit_micro_usd: z.bigint(),
  max_uses: z.number(),
  uses: z.number(),
});

export type Invite = {
  readonly code: string;
  readonly creditMicroUsd: bigint;
  readonly maxUses: number;
  readonly uses: number;
};

export type NewInvite = {
  readonly creditMicroUsd: bigint;
  readonly maxUses: number;
  readonly createdBy: string;
  /** Random when absent. */
  readonly code?: string;
};

export async function createInvite(connection: DbConnection, invite: NewInvite): Promise<Invite> {
  if (invite.creditMicroUsd <= 0n) throw invalidArgument("credit_micro_usd must be positive");
  if (!Number.isInteger(invite.maxUses) || invite.maxUses < 1 || invite.maxUses > 1_000_000) {
    throw invalidArgument("max_uses must be 1 to 1000000");
  }
  const code = invite.code ?? `inv-${randomBytes(9).toString("base64url")}`;
  if (!/^[A-Za-z0-9_-]{4,64}$/.test(code))
    throw invalidArgument("code must be 4 to 64 of A-Za-z0-9_-");
  const row = await connection.maybeOne(sql.type(inviteRow)`
    INSERT INTO invite_codes (code, credit_micro_usd, max_uses, created_by)
    VALUES (${code}, ${invite.creditMicroUsd}, ${invite.maxUses}, ${invite.createdBy})
    ON CONFLICT (code) DO NOTHING
    RETURNING code, credit_micro_usd, max_uses, uses`);
  if (row === null) throw new ConnectError(`invite code ${code} exists`, Code.AlreadyExists);
  return toInvite(row);
}

/**
 * Redeems the code for the account: the first redemption uses one slot and credits the invite's
 * amount; a repeat by the same account changes nothing and answers the same. A used-up code is
 * refused (ResourceExhausted). Run inside a transaction.
 */
export async function redeemInvite(
  connection: DbConnection,
  code: string,
  accountId: string,
): Promise<{ creditMicroUsd: bigint; firstRedemption: boolean }> {
  const account = requireId(accountId, "account_id");
  const invite = await connection.maybeOne(sql.type(inviteRow)`
    SELECT code, credit_micro_usd, max_uses, uses FROM invite_codes WHERE code = ${code} FOR UPDATE`);
  if (invite === null) throw new ConnectError(`invite code ${code} not found`, Code.NotFound);
  const claimed = await connection.maybeOne(sql.type(z.object({ code: z.string() }))`
    INSERT INTO invite_redemptions (code, account_id) VALUES (${code}, ${account})
    ON CONFLICT (code, account_id) DO NOTHING RETURNING code`);
  if (claimed === null) return { creditMicroUsd: invite.credit_micro_usd, firstRedemption: false };
  if (invite.uses >= invite.max_uses) {
    throw new ConnectError(`invite code ${code} is used up`, Code.ResourceExhausted);
  }
  await connection.query(sql.unsafe`UPDATE invite_codes SET uses = uses + 1 WHERE code = ${code}`);
  await creditAccount(connection, {
    accountId: account,
    amountMicroUsd: invite.credit_micro_usd,
    reason: `invite ${code}`,
    idempotencyKey: `invite:${code}:${account}`,
  });
  return { creditMicroUsd: invite.credit_micro_usd, firstRedemption: true };
}

function toInvite(row: z.infer<typeof inviteRow>): Invite {
  return {
    code: row.code,
    creditMicroUsd: row.credit_micro_usd,
    maxUses: row.max_uses,
    uses: row.uses,
  };
}
