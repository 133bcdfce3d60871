import { CryptoError } from "./crypto-error.js";
import { assertKey } from "./assert-key.js";

const CHUNK = 0x8000;
const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard, padded base64 (RFC 4648 §4), as used on JSON surfaces. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Decodes standard, padded, canonical base64; anything else throws `bad_encoding`. */
export function fromBase64(text: string): Uint8Array {
  if (typeof text !== "string" || !CANONICAL.test(text)) {
    throw new CryptoError("bad_encoding", "not canonical padded base64");
  }
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  // Reject non-zero trailing bits, so each byte string has exactly one accepted encoding.
  if (toBase64(bytes) !== text)
    throw new CryptoError("bad_encoding", "non-canonical base64 padding bits");
  return bytes;
}

/** Decodes a base64 32-byte key; bad text throws `bad_encoding`, a wrong length `bad_key`. */
export function keyFromBase64(text: string): Uint8Array {
  const key = fromBase64(text);
  assertKey(key, "key");
  return key;
}
