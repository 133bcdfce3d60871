// The whole public surface of @darkbloom/sdk.
export { DarkbloomClient, type DarkbloomClientOptions } from "./darkbloom-client.js";
export {
  CompatSealer,
  SEALED_CONTENT_TYPE,
  openResponse,
  type OpenedResponse,
} from "./compat-sealer.js";
export { DarkbloomError } from "./sdk-error.js";
export type { SealedModeOptions } from "./sealed-options.js";
export {
  MemoryIdentityPins,
  identityFingerprint,
  type IdentityPinStore,
} from "./evidence/identity-pins.js";
export type { AttestedKey, WireEvidence } from "./evidence/wire-evidence.js";
export type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatMessageParam,
  ServedBy,
  TrustName,
  Usage,
} from "./chat-types.js";
