export { createAttestationService } from "./service.js";
export type { ProviderDirectory, ProviderRecord } from "./provider-directory.js";
