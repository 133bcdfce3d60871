import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@darkbloom/telemetry";
import { parseCheckIn, type DeviceRegistry } from "./mdm-checkin.js";
import { enrollmentProfile, type EnrollmentProfileInput } from "./mobileconfig.js";
import { toPlistXml } from "./plist.js";
import { signProfile, type ProfileSigner } from "./sign-profile.js";

const ENROLL = /^\/v1\/enroll\/([A-Za-z0-9._-]{1,128})\.mobileconfig$/;
const CHECKIN = "/v1/mdm/checkin";
const MAX_CHECKIN_BYTES = 64 * 1024;

export interface EnrollmentHttpDeps {
  /** Resolves an API key to an account; null when the key is unknown. */
  authenticate(apiKey: string): Promise<{ accountId: string } | null>;
  signer: ProfileSigner | undefined;
  profile: Omit<EnrollmentProfileInput, "deviceId">;
  devices: DeviceRegistry;
  log: Logger;
}

/**
 * `GET /v1/enroll/{device}.mobileconfig` (Bearer: the provider's account key) → a signed
 * per-device profile; `POST /v1/mdm/checkin` (plist) → Authenticate / TokenUpdate / CheckOut.
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
    const parsed = parseCheckIn(Buffer.concat(chunks).toString("utf8"));
    if (!parsed.ok) return error(res, 400, parsed.message);
    const state = deps.devices.apply(parsed.message);
    deps.log.info("mdm check-in", { type: parsed.message.type, udid: parsed.message.udid, state });
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
        deps.log.error("enrollment request failed", { error: String(err) });
        if (!res.headersSent) error(res, 500, "enrollment failed");
        else res.destroy();
      });
    },
  };
}
