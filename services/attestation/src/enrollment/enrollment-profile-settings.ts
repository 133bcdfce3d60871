// What this network's enrollment profiles say besides the device: attestation owns the MDM push
// topic, the organization shown on the Mac, and where check-ins and ACME orders go.
import type { EnrollmentProfileInput } from "./mobileconfig.js";

/** Where devices send MDM check-ins (a route of the coordinator's front door). */
export const MDM_CHECKIN_PATH = "/v1/mdm/checkin";
/** The APNs topic of Darkbloom's MDM push certificate. */
export const MDM_PUSH_TOPIC = "com.apple.mgmt.External.darkbloom";
export const ENROLLMENT_ORGANIZATION = "Darkbloom";

/** The profile settings for an MDM server at `mdmServerUrl` (empty: http://localhost). */
export function enrollmentProfileSettings(
  mdmServerUrl: string,
): Omit<EnrollmentProfileInput, "deviceId"> {
  const base = mdmServerUrl || "http://localhost";
  return {
    mdmServerUrl,
    checkInUrl: `${base}${MDM_CHECKIN_PATH}`,
    topic: MDM_PUSH_TOPIC,
    acmeDirectoryUrl: `${base}/acme/directory`,
    organization: ENROLLMENT_ORGANIZATION,
  };
}
