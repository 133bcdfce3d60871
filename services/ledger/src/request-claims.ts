// A consumer's request id (x-request-id) is claimed once per account by the HTTP request that
// first holds under it (DESIGN §10, Stripe's idempotency semantics): that request's own holds
// (one per fallback model, or an internal retry) share the claim; any other request reusing the
// id is refused — another body as reused, a running one as in progress, a finished one as
// completed (outputs are not stored, so nothing is replayed). One exception keeps retries safe:
// when everything the claim held settled with no tokens at all (it failed before any output, e.g.
// no capacity) and was not swept, a retry of the same request takes the claim over and runs,
// billed on its own hold. Run inside the hold's transaction: a refused hold (402) rolls the claim
// back and the id stays usable.
import { timingSafeEqual } from "node:crypto";
import { sql, type DbConnection } from "@darkbloom/db";
import { z } from "zod";
import {
  invalidArgument,
  requestIdCompleted,
  requestIdInProgress,
  requestIdReused,
  requireId,
} from "./ledger-errors.js";

export type RequestClaim = {
  readonly clientRequestId: string;
  /** The coordinator's id of the HTTP request making the claim. */
  readonly claimId: string;
  /** Keyed hash of the request (never its plaintext). */
  readonly fingerprint: Uint8Array;
};

const claimRow = z.object({ claim_id: z.string(), request_fingerprint: z.instanceof(Buffer) });
const stateRow = z.object({ open: z.boolean(), ran: z.boolean() });

/** The claim a hold request carries; null when it names no client request id. */
export function requestClaimOf(input: {
  readonly clientRequestId?: string;
  readonly claimId?: string;
  readonly requestFingerprint?: Uint8Array;
}): RequestClaim | null {
  const clientRequestId = input.clientRequestId ?? "";
  if (clientRequestId.length === 0) return null;
  const fingerprint = input.requestFingerprint ?? new Uint8Array();
  if (fingerprint.length < 16 || fingerprint.length > 64)
    throw invalidArgument("request_fingerprint must be 16 to 64 bytes");
  return {
    clientRequestId: requireId(clientRequestId, "client_request_id"),
    claimId: requireId(input.claimId ?? "", "claim_id"),
    fingerprint,
  };
}

/** Claims the id for `claim.claimId`, or throws the refusal when another request holds it. */
export async function claimRequestId(
  connection: DbConnection,
  consumerId: string,
  claim: RequestClaim,
): Promise<void> {
  // A concurrent claim of the same id waits here for the first transaction, then conflicts.
  const inserted = await connection.query(sql.unsafe`
    INSERT INTO ledger_request_claims (consumer_id, client_request_id, claim_id, request_fingerprint)
    VALUES (${consumerId}, ${claim.clientRequestId}, ${claim.claimId},
            ${sql.binary(Buffer.from(claim.fingerprint))})
    ON CONFLICT (consumer_id, client_request_id) DO NOTHING`);
  if (inserted.rowCount === 1) return;
  // Locked: of concurrent retries taking a claim over, one wins and the rest see it running.
  const existing = await connection.one(sql.type(claimRow)`
    SELECT claim_id, request_fingerprint FROM ledger_request_claims
    WHERE consumer_id = ${consumerId} AND client_request_id = ${claim.clientRequestId}
    FOR UPDATE`);
  if (existing.claim_id === claim.claimId) return;
  if (!sameFingerprint(existing.request_fingerprint, claim.fingerprint)) throw requestIdReused();
  const state = await connection.one(sql.type(stateRow)`
    SELECT
      EXISTS (SELECT 1 FROM ledger_holds h
        WHERE h.claim_id = ${existing.claim_id}
          AND NOT EXISTS (SELECT 1 FROM ledger_settlements s WHERE s.request_id = h.request_id)
      ) AS open,
      EXISTS (SELECT 1 FROM ledger_holds h JOIN ledger_settlements s ON s.request_id = h.request_id
        WHERE h.claim_id = ${existing.claim_id}
          AND (s.prompt_tokens > 0 OR s.completion_tokens > 0 OR s.charged_micro_usd > 0 OR s.swept)
      ) AS ran`);
  if (state.open) throw requestIdInProgress();
  if (state.ran) throw requestIdCompleted();
  await connection.query(sql.unsafe`
    UPDATE ledger_request_claims SET claim_id = ${claim.claimId}
    WHERE consumer_id = ${consumerId} AND client_request_id = ${claim.clientRequestId}`);
}

function sameFingerprint(stored: Uint8Array, given: Uint8Array): boolean {
  return stored.length === given.length && timingSafeEqual(stored, given);
}
