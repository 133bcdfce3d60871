// First sign-in creates the account (a consumer), in one transaction with its identity and the
// sign-up codes: the invite is redeemed and the referral recorded by the hook the coordinator
// passes (the ledger owns both), so a refused code leaves no account behind.
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import { insertAccount } from "../store.js";

export interface SignUpCodes {
  readonly inviteCode: string | undefined;
  readonly referralCode: string | undefined;
}

/** Redeems/records the codes for a new account; throws {@link SignUpRefused} to refuse. */
export type SignUpHook = (
  transaction: DbConnection,
  accountId: string,
  codes: SignUpCodes,
) => Promise<void>;

export type SignUpRefusal =
  "invite_required" | "invite_invalid" | "invite_used_up" | "referral_invalid";

export class SignUpRefused extends Error {
  constructor(
    readonly code: SignUpRefusal,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SignUpRefused";
  }
}

export interface OidcIdentity {
  readonly issuer: string;
  readonly subject: string;
  readonly email: string | undefined;
  readonly name: string | undefined;
}

export interface SignUpPolicy {
  /** The network admits new people only with an invite code. */
  readonly requireInvite: boolean;
  readonly onSignUp: SignUpHook;
}

const accountIdRow = z.object({ account_id: z.string() });

/** The identity's account, created on its first sign-in. */
export async function signInOrUp(
  pool: DbConnection,
  identity: OidcIdentity,
  codes: SignUpCodes,
  policy: SignUpPolicy,
): Promise<{ accountId: string; created: boolean }> {
  return pool.transaction(async (tx) => {
    // two first sign-ins of one person at once create one account
    await tx.query(sql.unsafe`
      SELECT pg_advisory_xact_lock(hashtext(${`oidc:${identity.issuer}:${identity.subject}`}))`);
    const existing = await tx.maybeOneFirst(sql.type(accountIdRow)`
      SELECT account_id FROM oidc_identities
      WHERE issuer = ${identity.issuer} AND subject = ${identity.subject}`);
    if (existing !== null) return { accountId: existing, created: false };
    if (policy.requireInvite && codes.inviteCode === undefined)
      throw new SignUpRefused("invite_required", "this network admits new accounts by invite only");
    const name = (identity.name ?? "member").slice(0, 200);
    const account = await insertAccount(tx, name, "consumer");
    await tx.query(sql.unsafe`
      INSERT INTO oidc_identities (issuer, subject, account_id, email)
      VALUES (${identity.issuer}, ${identity.subject}, ${sql.uuid(account.id)}, ${identity.email ?? null})`);
    await policy.onSignUp(tx, account.id, codes);
    return { accountId: account.id, created: true };
  });
}
