// Sealed request bodies (compat mode) and sealed mode (end to end). See docs/security/encryption.md.
export { sealedBodyGate, ENCRYPTION_KEY_PATH, type GateResult } from "./sealed-body-gate.js";
export { createSealedDeps, type SealedDeps, type SealedOptions } from "./sealed-deps.js";
export { sealedBodyMigrations } from "./key-store.js";
export { SEALED_CONTENT_TYPE } from "./sealed-request.js";
export { sealedReserve } from "./sealed-mode/sealed-reserve.js";
export { sealedSubmit } from "./sealed-mode/sealed-submit.js";
export { sealedProviderKeys } from "./sealed-mode/sealed-provider-keys.js";
