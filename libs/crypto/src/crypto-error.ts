/** Why a crypto operation refused its input. */
export const CryptoErrorCode = {
  /** A sealed message shorter than nonce + MAC (40 bytes). */
  Truncated: "truncated",
  /** The MAC did not verify: tampered bytes, wrong key, or wrong peer. */
  AuthenticationFailed: "authentication_failed",
  /** A key that is not 32 bytes, is all zero (forgotten), or is a low-order X25519 point. */
  BadKey: "bad_key",
  /** A nonce already accepted (or sent) within the same request. */
  ReplayedNonce: "replayed_nonce",
  /** Text that is not canonical, padded, standard-alphabet base64. */
  BadEncoding: "bad_encoding",
  /** A per-request bound (nonces remembered) would be exceeded. */
  LimitExceeded: "limit_exceeded",
} as const;

export type CryptoErrorCode = (typeof CryptoErrorCode)[keyof typeof CryptoErrorCode];

/** The only error type thrown by `@darkbloom/crypto`. */
export class CryptoError extends Error {
  override readonly name = "CryptoError";
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[${code}] ${message}`, options);
    this.code = code;
  }
}
