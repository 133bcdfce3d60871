import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { SealedReservation } from "./sealed-reservations.js";

/**
 * A sealed-mode reservation as a signed, expiring token (replicas as one network): the reserve on
 * one replica hands it out as `reservation_id`, the submit on any replica of the network checks it
 * with the shared peer secret. It names the routing reservation (whose id names the replica holding
 * it), the account, provider and key fingerprint, and everything the submit bills with.
 */
export interface TokenReservation extends SealedReservation {
  providerId: string;
  keyFingerprint: string;
}

const PREFIX = "srt1.";

const payloadSchema = z.object({
  r: z.string(),
  q: z.string(),
  cr: z.string(),
  cf: z.string(),
  a: z.string(),
  m: z.string(),
  pt: z.number().int().nonnegative(),
  mt: z.number().int().nonnegative(),
  e: z.number().int(),
  p: z.string(),
  f: z.string(),
});

const mac = (secret: Uint8Array, body: string): Buffer =>
  createHmac("sha256", secret).update(PREFIX).update(body).digest();

export function signReservationToken(secret: Uint8Array, r: TokenReservation): string {
  const payload: z.infer<typeof payloadSchema> = {
    r: r.reservationId,
    q: r.requestId,
    cr: r.claim.clientRequestId,
    cf: Buffer.from(r.claim.requestFingerprint).toString("base64"),
    a: r.accountId,
    m: r.model,
    pt: r.estimatedPromptTokens,
    mt: r.maxTokens,
    e: r.expiresAtMs,
    p: r.providerId,
    f: r.keyFingerprint,
  };
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${PREFIX}${body}.${mac(secret, body).toString("base64url")}`;
}

export type TokenCheck =
  | { ok: true; reservation: TokenReservation }
  | { ok: false; reason: "not_a_token" | "forged" | "expired" | "other_account" };

export const isReservationToken = (id: string): boolean => id.startsWith(PREFIX);

/** Verifies the signature (constant time), then expiry, then that it is the caller's. */
export function checkReservationToken(
  secret: Uint8Array,
  token: string,
  accountId: string,
  now = Date.now(),
): TokenCheck {
  if (!isReservationToken(token)) return { ok: false, reason: "not_a_token" };
  const [body = "", signature = ""] = token.slice(PREFIX.length).split(".");
  const expected = mac(secret, body);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "forged" };
  let parsed: z.infer<typeof payloadSchema>;
  try {
    parsed = payloadSchema.parse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
  } catch {
    return { ok: false, reason: "forged" };
  }
  if (parsed.e <= now) return { ok: false, reason: "expired" };
  if (parsed.a !== accountId) return { ok: false, reason: "other_account" };
  return {
    ok: true,
    reservation: {
      reservationId: parsed.r,
      requestId: parsed.q,
      claim: {
        clientRequestId: parsed.cr,
        claimId: parsed.q,
        requestFingerprint: new Uint8Array(Buffer.from(parsed.cf, "base64")),
      },
      accountId: parsed.a,
      model: parsed.m,
      estimatedPromptTokens: parsed.pt,
      maxTokens: parsed.mt,
      expiresAtMs: parsed.e,
      providerId: parsed.p,
      keyFingerprint: parsed.f,
    },
  };
}
