import { createHash, randomBytes, randomInt } from "node:crypto";

/** RFC 8628 §6.1: consonants only (no vowels, no look-alikes), 8 characters as XXXX-XXXX. */
const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";

export function newUserCode(): string {
  let s = "";
  for (let i = 0; i < 8; i++) s += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

/** Users type codes loosely: case and separators do not matter. */
export function normalizeUserCode(input: string): string {
  const s = input.toUpperCase().replace(/[^A-Z]/g, "");
  return s.length === 8 ? `${s.slice(0, 4)}-${s.slice(4)}` : s;
}

export const newDeviceCode = (): string => randomBytes(32).toString("base64url");
export const newProviderToken = (): string => `dbp_${randomBytes(32).toString("base64url")}`;
export const hashSecret = (s: string): Buffer => createHash("sha256").update(s).digest();
