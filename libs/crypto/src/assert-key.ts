import { CryptoError } from "./crypto-error.js";
import { KEY_BYTES } from "./constants.js";

/** Throws `bad_key` unless `key` is exactly 32 bytes. */
export function assertKey(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    throw new CryptoError("bad_key", `${what} must be ${KEY_BYTES} bytes, got ${got}`);
  }
}

/** Throws `bad_key` for a shared key that is the wrong size or all zero (i.e. already forgotten). */
export function assertSharedKey(key: Uint8Array): void {
  assertKey(key, "shared key");
  let acc = 0;
  for (let i = 0; i < KEY_BYTES; i++) acc |= key[i] ?? 0;
  if (acc === 0) throw new CryptoError("bad_key", "shared key is all zero (forgotten?)");
}
