import { parsePlist, PlistError } from "./plist.js";

export type CheckInMessage =
  | { type: "Authenticate"; udid: string; serialNumber: string; topic: string }
  | { type: "TokenUpdate"; udid: string; topic: string; token: Uint8Array; pushMagic: string }
  | { type: "CheckOut"; udid: string };

export type CheckInParse = { ok: true; message: CheckInMessage } | { ok: false; message: string };

/** Parses an MDM check-in body (XML plist) into one of the three messages darkbloom handles. */
export function parseCheckIn(body: string): CheckInParse {
  let value;
  try {
    value = parsePlist(body);
  } catch (err) {
    if (err instanceof PlistError) return { ok: false, message: err.message };
    throw new Error("check-in parse failed", { cause: err });
  }
  if (typeof value !== "object" || Array.isArray(value) || value instanceof Uint8Array)
    return { ok: false, message: "check-in is not a dict" };
  const str = (k: string): string => (typeof value[k] === "string" ? value[k] : "");
  const udid = str("UDID");
  if (!udid) return { ok: false, message: "check-in has no UDID" };
  switch (str("MessageType")) {
    case "Authenticate":
      return {
        ok: true,
        message: {
          type: "Authenticate",
          udid,
          serialNumber: str("SerialNumber"),
          topic: str("Topic"),
        },
      };
    case "TokenUpdate":
      return {
        ok: true,
        message: {
          type: "TokenUpdate",
          udid,
          topic: str("Topic"),
          token: value.Token instanceof Uint8Array ? value.Token : new Uint8Array(),
          pushMagic: str("PushMagic"),
        },
      };
    case "CheckOut":
      return { ok: true, message: { type: "CheckOut", udid } };
    default:
      return { ok: false, message: `unsupported MessageType ${str("MessageType") || "(none)"}` };
  }
}
