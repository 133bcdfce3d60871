export { createAttestationService } from "./service.js";
export type { VersionFloor } from "./service.js";
export type { ProviderDirectory, ProviderRecord } from "./provider-directory.js";
export { AttestationAuthority } from "./challenge/attestation-authority.js";
export type {
  AuthorityDeps,
  AuthorityOptions,
  ReleaseInfo,
} from "./challenge/attestation-authority.js";
export { createAttestationMetrics } from "./attestation-metrics.js";
export type { AttestationMetrics, RefusalReason } from "./attestation-metrics.js";
export { parseModelHashAllowList, loadMdaRoots, loadProfileSigner } from "./attestation-config.js";
export { createAuthority } from "./create-authority.js";
export type { AttestationSettings } from "./create-authority.js";
export { createEnrollmentHttp } from "./enrollment/enrollment-http.js";
export type { EnrollmentHttpDeps } from "./enrollment/enrollment-http.js";
export { DeviceRegistry } from "./enrollment/mdm-checkin.js";
