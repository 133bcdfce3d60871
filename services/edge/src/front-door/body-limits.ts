// One body limit per route class (the front door's only limits on request bodies).
import type { BodyLimits } from "./front-door.js";

/** Device-code forms (RFC 8628): a few short fields. */
export const OAUTH_FORM_LIMIT_BYTES = 16 * 1024;
/** Release registrations and model manifests. */
export const UPLOAD_LIMIT_BYTES = 1024 * 1024;
/** A device's signed MDM check-in plist. */
export const MDM_CHECKIN_LIMIT_BYTES = 64 * 1024;

/** The limits with inference and account JSON bodies at `maxBodyBytes` (DARKBLOOM_MAX_BODY_BYTES). */
export function bodyLimits(maxBodyBytes: number): BodyLimits {
  return {
    inference: maxBodyBytes,
    account: maxBodyBytes,
    "oauth-form": OAUTH_FORM_LIMIT_BYTES,
    upload: UPLOAD_LIMIT_BYTES,
    "mdm-checkin": MDM_CHECKIN_LIMIT_BYTES,
  };
}
