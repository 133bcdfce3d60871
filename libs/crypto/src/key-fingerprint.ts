import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { assertKey } from "./assert-key.js";

/** Lowercase hex of the first 16 bytes of SHA-256(publicKey): 32 characters, safe to log. */
export function keyFingerprint(publicKey: Uint8Array): string {
  assertKey(publicKey, "public key");
  return bytesToHex(sha256(publicKey).subarray(0, 16));
}
