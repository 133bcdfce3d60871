// Authorization requests in flight, keyed by the SHA-256 of their state; each is taken once.
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";

export interface PendingLogin {
  readonly codeVerifier: string;
  readonly nonce: string;
  readonly inviteCode: string | undefined;
  readonly referralCode: string | undefined;
  readonly returnTo: string;
}

const loginRow = z.object({
  code_verifier: z.string(),
  nonce: z.string(),
  invite_code: z.string().nullable(),
  referral_code: z.string().nullable(),
  return_to: z.string(),
});

/**
 * Stores a login unless `maxPending` unexpired logins exist already (the start route is
 * unauthenticated: its rows are capped); returns false when refused.
 */
export async function saveLogin(
  connection: DbConnection,
  stateHash: Buffer,
  login: PendingLogin,
  ttlMs: number,
  maxPending: number,
): Promise<boolean> {
  await connection.query(sql.unsafe`
    DELETE FROM oidc_logins WHERE expires_at < now()`);
  const saved = await connection.maybeOne(sql.type(z.object({ ok: z.boolean() }))`
    INSERT INTO oidc_logins (state_hash, code_verifier, nonce, invite_code, referral_code, return_to, expires_at)
    SELECT ${sql.binary(stateHash)}, ${login.codeVerifier}, ${login.nonce}, ${login.inviteCode ?? null},
      ${login.referralCode ?? null}, ${login.returnTo}, now() + make_interval(secs => ${ttlMs / 1000})
    WHERE (SELECT count(*) FROM oidc_logins) < ${maxPending}
    RETURNING true AS ok`);
  return saved !== null;
}

/** Deletes and returns the unexpired login with this state; null when unknown, used or expired. */
export async function takeLogin(
  connection: DbConnection,
  stateHash: Buffer,
): Promise<PendingLogin | null> {
  const row = await connection.maybeOne(sql.type(loginRow.extend({ live: z.boolean() }))`
    DELETE FROM oidc_logins WHERE state_hash = ${sql.binary(stateHash)}
    RETURNING code_verifier, nonce, invite_code, referral_code, return_to, expires_at > now() AS live`);
  if (row === null || !row.live) return null;
  return {
    codeVerifier: row.code_verifier,
    nonce: row.nonce,
    inviteCode: row.invite_code ?? undefined,
    referralCode: row.referral_code ?? undefined,
    returnTo: row.return_to,
  };
}
