export { createAttestationService } from "./service.js";
export type { EvidenceSource, VersionFloor } from "./service.js";
export type { ProviderDirectory, ProviderRecord } from "./provider-directory.js";
export { AttestationAuthority } from "./challenge/attestation-authority.js";
export type {
  AuthorityDeps,
  AuthorityOptions,
  ReleaseInfo,
} from "./challenge/attestation-authority.js";
export { createAttestationMetrics } from "./attestation-metrics.js";
export type { AttestationMetrics, RefusalReason } from "./attestation-metrics.js";
export {
  parseModelHashAllowList,
  loadMdaRoots,
  loadMdmIdentityRoots,
  loadProfileSigner,
} from "./attestation-config.js";
export { createAuthority } from "./create-authority.js";
export type { AttestationSettings, AuthoritySources } from "./create-authority.js";
export { createEnrollmentRoutes } from "./enrollment/enrollment-http.js";
export { enrollmentProfileSettings } from "./enrollment/enrollment-profile-settings.js";
export type { EnrollmentHttpDeps } from "./enrollment/enrollment-http.js";
export { createDeviceStore, type DeviceStore } from "./enrollment/device-store.js";
export { mdmRootsFromPem } from "./enrollment/verify-mdm-signature.js";
export { attestationMigrations } from "./attestation-migrations.js";
export { createIdentityStore, type IdentityStore } from "./identity/identity-store.js";
export type { IdentityBindings } from "./identity/bind-identity.js";
export type { IdentityReset } from "./service.js";
