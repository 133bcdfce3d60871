export { CryptoError, CryptoErrorCode } from "./crypto-error.js";
export { KEY_BYTES, MAC_BYTES, NONCE_BYTES, SEAL_OVERHEAD_BYTES } from "./constants.js";
export { generateKeyPair, publicKeyFromSecret, type KeyPair } from "./key-pair.js";
export { boxBeforenm } from "./box-key.js";
export { seal, open } from "./box.js";
export { sealWithSharedKey, openWithSharedKey } from "./secret-box.js";
export { NonceGuard, openWithNonceGuard, type NonceGuardOptions } from "./nonce-guard.js";
export {
  SessionKeyCache,
  RequestSession,
  type SessionKeyCacheOptions,
} from "./session-key-cache.js";
export { toBase64, fromBase64, keyFromBase64 } from "./base64.js";
export { keyFingerprint } from "./key-fingerprint.js";
