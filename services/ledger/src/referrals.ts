// Referral codes: an account's platform fees share a configured percentage with its referrer.
import { randomBytes } from "node:crypto";
import { ConnectError, Code } from "@connectrpc/connect";
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import { requireId } from "./ledger-errors.js";

const codeRow = z.object({ code: z.string() });
const referrerRow = z.object({ referrer_id: z.string() });
const ownerRow = z.object({ account_id: z.string() });

/** The referrer's part of a platform fee: floor(fee × percent / 100). */
export function referralShareMicroUsd(platformFeeMicroUsd: bigint, percent: number): bigint {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) {
    throw new ConnectError("referral share percent must be 0 to 100", Code.Internal);
  }
  return (platformFeeMicroUsd * BigInt(percent)) / 100n;
}

/** The account's referral code, created on first call. */
export async function referralCodeFor(
  connection: DbConnection,
  accountId: string,
): Promise<string> {
  const owner = requireId(accountId, "account_id");
  const fresh = `ref-${randomBytes(9).toString("base64url")}`;
  await connection.query(sql.unsafe`
    INSERT INTO referral_codes (code, account_id) VALUES (${fresh}, ${owner})
    ON CONFLICT (account_id) DO NOTHING`);
  return connection.oneFirst(sql.type(codeRow)`
    SELECT code FROM referral_codes WHERE account_id = ${owner}`);
}

/**
 * Records that `accountId` was referred by the owner of `code`. Idempotent: applying the same
 * code again is a no-op; a different code after the first, or one's own code, is refused.
 */
export async function applyReferralCode(
  connection: DbConnection,
  accountId: string,
  code: string,
): Promise<{ referrerId: string }> {
  const account = requireId(accountId, "account_id");
  const owner = await connection.maybeOne(sql.type(ownerRow)`
    SELECT account_id FROM referral_codes WHERE code = ${code}`);
  if (owner === null) throw new ConnectError(`referral code ${code} not found`, Code.NotFound);
  if (owner.account_id === account) {
    throw new ConnectError("an account cannot refer itself", Code.InvalidArgument);
  }
  await connection.query(sql.unsafe`
    INSERT INTO referrals (account_id, referrer_id, code) VALUES (${account}, ${owner.account_id}, ${code})
    ON CONFLICT (account_id) DO NOTHING`);
  const referrer = await findReferrer(connection, account);
  if (referrer !== owner.account_id) {
    throw new ConnectError("this account already has a referrer", Code.AlreadyExists);
  }
  return { referrerId: referrer };
}

export async function findReferrer(
  connection: DbConnection,
  accountId: string,
): Promise<string | null> {
  const row = await connection.maybeOne(sql.type(referrerRow)`
    SELECT referrer_id FROM referrals WHERE account_id = ${accountId}`);
  return row?.referrer_id ?? null;
}
