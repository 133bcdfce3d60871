// The per-login secrets of an authorization code flow with PKCE (RFC 7636, S256).
import { createHash, randomBytes } from "node:crypto";

const random = (): string => randomBytes(32).toString("base64url");

export interface LoginSecrets {
  /** Binds the callback to the browser that started the login (also its cookie's value). */
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export function newLoginSecrets(): LoginSecrets {
  return { state: random(), nonce: random(), codeVerifier: random() };
}

export function codeChallengeOf(codeVerifier: string): string {
  return createHash("sha256").update(codeVerifier).digest("base64url");
}

export function hashState(state: string): Buffer {
  return createHash("sha256").update(state).digest();
}
