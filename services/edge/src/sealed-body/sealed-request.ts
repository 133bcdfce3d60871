import {
  CryptoError,
  NONCE_BYTES,
  boxBeforenm,
  fromBase64,
  keyFromBase64,
  openWithSharedKey,
} from "@darkbloom/crypto";
import { z } from "zod";
import { EdgeError } from "../errors/edge-error.js";
import type { RefusalReason } from "./crypto-refusals.js";
import type { CoordinatorKeyRing } from "./key-ring.js";
import type { ReplayGuard } from "./replay-guard.js";

export const SEALED_CONTENT_TYPE = "application/darkbloom-sealed+json";

const envelopeSchema = z.object({
  kid: z.string().min(1).max(64),
  ephemeral_public_key: z.string().min(1).max(64),
  ciphertext: z.string().min(1),
});

/** A sealed body refused before any handler ran; carries its metric reason and HTTP error. */
export class SealedBodyRefusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    readonly edge: EdgeError,
  ) {
    super(edge.message, { cause: edge });
    this.name = "SealedBodyRefusal";
  }
}

const refuse = (reason: RefusalReason, status: number, code: string, message: string) =>
  new SealedBodyRefusal(reason, new EdgeError(status, "invalid_request_error", code, message));

export interface OpenedRequest {
  kid: string;
  /** The original JSON body. */
  plaintext: Uint8Array;
  /** Key shared with the sender's ephemeral key; seals the response. Zero it when done. */
  sharedKey: Uint8Array;
}

/** Opens `{"kid","ephemeral_public_key","ciphertext"}`; every failure is a `SealedBodyRefusal`. */
export async function openSealedRequest(
  raw: Uint8Array,
  ring: CoordinatorKeyRing,
  replays: ReplayGuard,
): Promise<OpenedRequest> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
  } catch {
    throw refuse("bad_envelope", 400, "invalid_sealed_body", "sealed body is not JSON");
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) {
    throw refuse(
      "bad_envelope",
      400,
      "invalid_sealed_body",
      "sealed body must be {kid, ephemeral_public_key, ciphertext} (base64 strings)",
    );
  }
  const envelope = parsed.data;
  const found = await ring.find(envelope.kid);
  if (!found.ok) {
    const message =
      found.reason === "expired_kid"
        ? "the encryption key named by kid has expired; fetch GET /v1/encryption-key again"
        : "unknown kid; fetch the current key from GET /v1/encryption-key";
    throw refuse(found.reason, 400, found.reason, message);
  }
  let ephemeral: Uint8Array;
  let sealed: Uint8Array;
  try {
    ephemeral = keyFromBase64(envelope.ephemeral_public_key);
    sealed = fromBase64(envelope.ciphertext);
  } catch {
    throw refuse("bad_envelope", 400, "invalid_sealed_body", "sealed body fields are not base64");
  }
  let sharedKey: Uint8Array;
  try {
    sharedKey = boxBeforenm(ephemeral, found.key.secretKey);
  } catch {
    throw refuse("bad_key", 400, "invalid_sealed_body", "ephemeral_public_key is not usable");
  }
  try {
    const plaintext = openWithSharedKey(sharedKey, sealed);
    const forgetAtMs = found.key.createdAtMs + ring.acceptWindowMs;
    if (!(await replays.accept(ephemeral, sealed.subarray(0, NONCE_BYTES), forgetAtMs))) {
      throw refuse(
        "replayed_request",
        409,
        "replayed_request",
        "this sealed body was already used",
      );
    }
    return { kid: envelope.kid, plaintext, sharedKey };
  } catch (err) {
    sharedKey.fill(0);
    if (err instanceof SealedBodyRefusal) throw err;
    if (err instanceof CryptoError && err.code === "truncated")
      throw refuse("truncated", 400, "sealed_body_truncated", "ciphertext is truncated");
    throw refuse(
      "authentication_failed",
      400,
      "sealed_body_invalid",
      "ciphertext failed authentication (tampered, or sealed to another key)",
    );
  }
}
