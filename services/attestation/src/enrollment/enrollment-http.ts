import type { ServerResponse } from "node:http";
import type { HttpCall, HttpRoute } from "@darkbloom/http-body";
import { HttpError } from "@darkbloom/http-errors";
import type { Logger } from "@darkbloom/telemetry";
import type * as pkijs from "pkijs";
import type { DeviceStore } from "./device-store.js";
import { parseCheckIn } from "./mdm-checkin.js";
import { MDM_CHECKIN_PATH } from "./enrollment-profile-settings.js";
import { enrollmentProfile, type EnrollmentProfileInput } from "./mobileconfig.js";
import { toPlistXml } from "./plist.js";
import { signProfile, type ProfileSigner } from "./sign-profile.js";
import { verifyMdmSignature } from "./verify-mdm-signature.js";

/** The last segment of `/v1/enroll/{device}.mobileconfig`. */
const ENROLL = /^([A-Za-z0-9._-]{1,128})\.mobileconfig$/;

export interface EnrollmentHttpDeps {
  /** Resolves an API key to an account; null when the key is unknown. */
  authenticate(apiKey: string): Promise<{ accountId: string } | null>;
  signer: ProfileSigner | undefined;
  profile: Omit<EnrollmentProfileInput, "deviceId">;
  devices: Pick<DeviceStore, "apply">;
  /** Roots the device identity certificates (check-in signers) chain to; empty: check-ins refused. */
  mdmIdentityRoots: readonly pkijs.Certificate[];
  log: Logger;
}

/**
 * `GET /v1/enroll/{device}.mobileconfig` (Bearer: the provider's account key) → a signed
 * per-device profile; `POST|PUT /v1/mdm/checkin` (plist, signed: `Mdm-Signature`, at most the
 * front door's `mdm-checkin` limit) → Authenticate / TokenUpdate / CheckOut, stored in Postgres.
 * Refusals are HttpErrors of type `enrollment_error`, mapped by the front door.
 */
export function createEnrollmentRoutes(deps: EnrollmentHttpDeps): HttpRoute[] {
  const send = (res: ServerResponse, status: number, type: string, body: string | Uint8Array) => {
    res.writeHead(status, { "content-type": type });
    res.end(body);
  };
  const refuse = (status: number, message: string): HttpError =>
    new HttpError(status, "enrollment_error", null, message);

  async function enroll({ req, res, url, params }: HttpCall): Promise<void> {
    const deviceId = ENROLL.exec(params[0] ?? "")?.[1];
    if (!deviceId)
      throw new HttpError(
        404,
        "invalid_request_error",
        "unknown_url",
        `Unknown request URL: GET ${url.pathname}`,
      );
    const key = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const principal = key ? await deps.authenticate(key) : null;
    if (!principal) throw refuse(401, "a valid API key is required");
    if (!deps.signer) throw refuse(503, "profile signing is not configured");
    const xml = toPlistXml(enrollmentProfile({ ...deps.profile, deviceId }));
    const signed = signProfile(new TextEncoder().encode(xml), deps.signer);
    deps.log.info("enrollment profile issued", { deviceId, accountId: principal.accountId });
    send(res, 200, "application/x-apple-aspen-config", signed);
  }

  async function checkIn({ req, res, readBody }: HttpCall): Promise<void> {
    const body = await readBody();
    if (deps.mdmIdentityRoots.length === 0)
      throw refuse(503, "MDM check-in verification is not configured");
    const parsed = parseCheckIn(body.toString("utf8"));
    if (!parsed.ok) throw refuse(400, parsed.message);
    const { type, udid } = parsed.message;
    const header = req.headers["mdm-signature"];
    const signature = await verifyMdmSignature(
      Array.isArray(header) ? header[0] : header,
      body,
      udid,
      deps.mdmIdentityRoots,
      new Date(),
    );
    if (!signature.ok) {
      deps.log.warn("mdm check-in refused", { type, udid, reason: signature.message });
      throw refuse(401, signature.message);
    }
    const outcome = await deps.devices.apply(parsed.message, signature.certSha256);
    if (!outcome.ok) {
      deps.log.warn("mdm check-in refused", { type, udid, reason: outcome.message });
      throw refuse(403, outcome.message);
    }
    deps.log.info("mdm check-in", { type, udid, state: outcome.state });
    send(res, 200, "application/xml", toPlistXml({}));
  }

  return [
    { methods: ["GET"], path: "/v1/enroll/{}", routeClass: "none", handle: enroll },
    {
      methods: ["POST", "PUT"],
      path: MDM_CHECKIN_PATH,
      routeClass: "mdm-checkin",
      handle: checkIn,
    },
  ];
}
