import { createHash } from "node:crypto";
import type { PlistValue } from "./plist.js";

export interface EnrollmentProfileInput {
  /** The provider device the profile is for (its id in the enrollment URL). */
  deviceId: string;
  /** MDM server URL (commands) and check-in URL (this coordinator's /v1/mdm/checkin). */
  mdmServerUrl: string;
  checkInUrl: string;
  /** APNs push topic of the MDM push certificate. */
  topic: string;
  /** ACME directory that issues the device identity certificate with device-attest-01. */
  acmeDirectoryUrl: string;
  organization: string;
}

/** Deterministic payload UUIDs per device, so a re-download replaces the installed profile. */
function uuidFor(deviceId: string, payload: string): string {
  const h = createHash("sha256").update(`${deviceId}/${payload}`).digest("hex").toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The per-device enrollment profile: an ACME payload (device-attest-01, Secure Enclave P-256 key,
 * hardware-bound, attested) that yields the device identity, and an MDM payload using it.
 */
export function enrollmentProfile(input: EnrollmentProfileInput): PlistValue {
  const acmeUuid = uuidFor(input.deviceId, "acme");
  return {
    PayloadType: "Configuration",
    PayloadVersion: 1,
    PayloadIdentifier: `ai.darkbloom.enroll.${input.deviceId}`,
    PayloadUUID: uuidFor(input.deviceId, "profile"),
    PayloadDisplayName: `${input.organization} provider enrollment`,
    PayloadOrganization: input.organization,
    PayloadContent: [
      {
        PayloadType: "com.apple.security.acme",
        PayloadVersion: 1,
        PayloadIdentifier: `ai.darkbloom.enroll.${input.deviceId}.acme`,
        PayloadUUID: acmeUuid,
        DirectoryURL: input.acmeDirectoryUrl,
        ClientIdentifier: input.deviceId,
        KeyType: "ECSECPrimeRandom",
        KeySize: 256,
        HardwareBound: true,
        Attest: true,
        Subject: [[["CN", input.deviceId]]],
      },
      {
        PayloadType: "com.apple.mdm",
        PayloadVersion: 1,
        PayloadIdentifier: `ai.darkbloom.enroll.${input.deviceId}.mdm`,
        PayloadUUID: uuidFor(input.deviceId, "mdm"),
        ServerURL: input.mdmServerUrl,
        CheckInURL: input.checkInUrl,
        Topic: input.topic,
        IdentityCertificateUUID: acmeUuid,
        AccessRights: 1, // inspect profiles only: the coordinator manages nothing on the Mac
        CheckOutWhenRemoved: true,
        SignMessage: true,
        ServerCapabilities: ["com.apple.mdm.per-user-connections"],
      },
    ],
  };
}
