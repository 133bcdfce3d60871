export { CryptoError, CryptoErrorCode } from "./crypto-error.js";
export { KEY_BYTES, MAC_BYTES, NONCE_BYTES, SEAL_OVERHEAD_BYTES } from "./constants.js";
export {
  PROMPT_TEMPLATE_ALLOWANCE_TOKENS,
  chunkTokenBound,
  promptTokenBoundOfSealedBody,
  sealedPlaintextBytes,
} from "./token-bounds.js";
export { generateKeyPair, publicKeyFromSecret, type KeyPair } from "./key-pair.js";
export { boxBeforenm, ephemeralBoxKey, ephemeralBoxKeys } from "./box-key.js";
export { seal, open } from "./box.js";
export { sealWithSharedKey, openWithSharedKey } from "./secret-box.js";
export { NonceGuard, openWithNonceGuard, type NonceGuardOptions } from "./nonce-guard.js";
export { latin1String } from "./latin1.js";
export {
  SessionKeyCache,
  RequestSession,
  type SessionKeyCacheOptions,
} from "./session-key-cache.js";
export { toBase64, fromBase64, keyFromBase64 } from "./base64.js";
export { keyFingerprint } from "./key-fingerprint.js";
export {
  createKeyProof,
  answerKeyProof,
  keyProofMatches,
  KEY_PROOF_SECRET_BYTES,
  type KeyProofChallengeBytes,
} from "./key-proof.js";
export {
  canonicalJson,
  registerPayload,
  challengePayload,
  identityRotationPayload,
  keyProofPayload,
  fileListHash,
  weightHashOf,
  treeHashOf,
  isTreeCodeFile,
  type NamedSha256,
} from "./attestation/index.js";
export {
  accountPrefixKey,
  prefixBlockHashes,
  PREFIX_BLOCK_BYTES,
  PREFIX_HASH_BYTES,
  PREFIX_KEY_BYTES,
} from "./prefix/prefix-hash.js";
export {
  canonicalPrefixBytes,
  type PrefixInput,
  type PrefixMessage,
  type PrefixTool,
  type PrefixToolCall,
} from "./prefix/prefix-canonical.js";
