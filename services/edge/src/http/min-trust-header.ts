import type { IncomingHttpHeaders } from "node:http";
import { TrustLevel } from "@darkbloom/proto";
import { badRequest } from "../errors/edge-error.js";

const LEVELS: Readonly<Record<string, TrustLevel>> = {
  none: TrustLevel.NONE,
  software: TrustLevel.SOFTWARE,
  hardware: TrustLevel.HARDWARE,
  "hardware+mda": TrustLevel.HARDWARE_MDA,
};

/**
 * `X-Darkbloom-Min-Trust: none | software | hardware | hardware+mda` (case-insensitive): the
 * lowest provider trust level the consumer accepts. Absent: any level. Unknown: 400.
 */
export function minTrustHeader(headers: IncomingHttpHeaders): TrustLevel {
  const raw = headers["x-darkbloom-min-trust"];
  if (raw === undefined) return TrustLevel.UNSPECIFIED;
  const value = (Array.isArray(raw) ? raw.join(",") : raw).trim().toLowerCase();
  const level = LEVELS[value];
  if (level === undefined)
    throw badRequest(
      `X-Darkbloom-Min-Trust must be one of ${Object.keys(LEVELS).join(", ")}`,
      "X-Darkbloom-Min-Trust",
      "invalid_min_trust",
    );
  return level;
}
