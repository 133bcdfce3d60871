import { hash, randomInt } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const KEY_PREFIX = "db-";
const RANDOM_LENGTH = 32;
/** Characters kept for display: "db-" plus six random ones. */
const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 6;
const KEY_PATTERN = /^db-[0-9A-Za-z]{32}$/;

export type NewApiKey = { readonly key: string; readonly prefix: string; readonly hash: Buffer };

/** "db-" + 32 base62 characters (~190 bits) from the CSPRNG, with its display prefix and hash. */
export function generateApiKey(): NewApiKey {
  let random = "";
  for (let i = 0; i < RANDOM_LENGTH; i++) {
    random += ALPHABET[randomInt(ALPHABET.length)];
  }
  const key = KEY_PREFIX + random;
  return { key, prefix: displayPrefix(key), hash: hashApiKey(key) };
}

export function isWellFormedApiKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** The key's SHA-256, the only form of it Postgres or the key cache keeps. */
export function hashApiKey(key: string): Buffer {
  return hash("sha256", key, "buffer");
}

/**
 * {@link hashApiKey} as hex, the key cache's key: one-shot (no Hash object, no second encoding
 * step), as a request's key is hashed on every request.
 */
export function hashApiKeyHex(key: string): string {
  return hash("sha256", key, "hex");
}

export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_LENGTH);
}
