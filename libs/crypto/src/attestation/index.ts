export { canonicalJson } from "./canonical-json.js";
export {
  registerPayload,
  challengePayload,
  identityRotationPayload,
  keyProofPayload,
} from "./signed-payloads.js";
export {
  fileListHash,
  weightHashOf,
  treeHashOf,
  isTreeCodeFile,
  type NamedSha256,
} from "./file-list-hash.js";
