import type { IncomingMessage, ServerResponse } from "node:http";
import { toHttpError } from "@darkbloom/http-errors";
import type { Logger } from "@darkbloom/telemetry";
import type * as pkijs from "pkijs";
import type { DeviceStore } from "./device-store.js";
import { parseCheckIn } from "./mdm-checkin.js";
import { enrollmentProfile, type EnrollmentProfileInput } from "./mobileconfig.js";
import { toPlistXml } from "./plist.js";
import { signProfile, type ProfileSigner } from "./sign-profile.js";
import { verifyMdmSignature } from "./verify-mdm-signature.js";

const ENROLL = /^\/v1\/enroll\/([A-Za-z0-9._-]{1,128})\.mobileconfig$/;
const CHECKIN = "/v1/mdm/checkin";
const MAX_CHECKIN_BYTES = 64 * 1024;

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
 * per-device profile; `POST /v1/mdm/checkin` (plist, signed: `Mdm-Signature`) → Authenticate /
 * TokenUpdate / CheckOut, stored in Postgres.
 */
export function createEnrollmentHttp(deps: EnrollmentHttpDeps) {
  const send = (res: ServerResponse, status: number, type: string, body: string | Uint8Array) => {
    res.writeHead(status, { "content-type": type });
    res.end(body);
  };
  const error = (res: ServerResponse, status: number, message: string) =>
    send(
      res,
      status,
      "application/json",
      JSON.stringify({ error: { message, type: "enrollment_error" } }),
    );

  async function enroll(
    req: IncomingMessage,
    res: ServerResponse,
    deviceId: string,
  ): Promise<void> {
    const key = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const principal = key ? await deps.authenticate(key) : null;
    if (!principal) return error(res, 401, "a valid API key is required");
    if (!deps.signer) return error(res, 503, "profile signing is not configured");
    const xml = toPlistXml(enrollmentProfile({ ...deps.profile, deviceId }));
    const signed = signProfile(new TextEncoder().encode(xml), deps.signer);
    deps.log.info("enrollment profile issued", { deviceId, accountId: principal.accountId });
    send(res, 200, "application/x-apple-aspen-config", signed);
  }

  async function checkIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).byteLength;
      if (size > MAX_CHECKIN_BYTES) return error(res, 413, "check-in body too large");
      chunks.push(chunk as Buffer);
    }
    if (deps.mdmIdentityRoots.length === 0)
      return error(res, 503, "MDM check-in verification is not configured");
    const body = Buffer.concat(chunks);
    const parsed = parseCheckIn(body.toString("utf8"));
    if (!parsed.ok) return error(res, 400, parsed.message);
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
      return error(res, 401, signature.message);
    }
    const outcome = await deps.devices.apply(parsed.message, signature.certSha256);
    if (!outcome.ok) {
      deps.log.warn("mdm check-in refused", { type, udid, reason: outcome.message });
      return error(res, 403, outcome.message);
    }
    deps.log.info("mdm check-in", { type, udid, state: outcome.state });
    send(res, 200, "application/xml", toPlistXml({}));
  }

  return {
    matches: (path: string): boolean => path === CHECKIN || ENROLL.test(path),
    handle(req: IncomingMessage, res: ServerResponse): void {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const device = ENROLL.exec(path)?.[1];
      const work =
        device && req.method === "GET"
          ? enroll(req, res, device)
          : path === CHECKIN && (req.method === "POST" || req.method === "PUT")
            ? checkIn(req, res)
            : Promise.resolve(error(res, 405, "method not allowed"));
      work.catch((err: unknown) => {
        const e = toHttpError(err);
        if (e.status >= 500) deps.log.error("enrollment request failed", { error: String(err) });
        if (!res.headersSent)
          error(res, e.status, e.status >= 500 ? "enrollment failed" : e.message);
        else res.destroy();
      });
    },
  };
}
