import type { Client } from "@connectrpc/connect";
import { TrustLevel, type AttestationService } from "@darkbloom/proto";
import { z } from "zod";
import type { EdgeContext } from "../../edge-context.js";
import { EdgeError } from "../../errors/edge-error.js";
import type { CryptoRefusals } from "../crypto-refusals.js";
import type { SealedReservations } from "./sealed-reservations.js";

export interface SealedModeDeps {
  attestation: Client<typeof AttestationService>;
  reservations: SealedReservations;
  refusals: CryptoRefusals;
}

export function sealedModeOf(ctx: EdgeContext): SealedModeDeps {
  if (!ctx.sealed)
    throw new EdgeError(501, "server_error", "not_implemented", "sealed mode is not enabled");
  return ctx.sealed;
}

const TRUST_BY_NAME = {
  none: TrustLevel.NONE,
  software: TrustLevel.SOFTWARE,
  hardware: TrustLevel.HARDWARE,
  hardware_mda: TrustLevel.HARDWARE_MDA,
} as const;

export const trustSchema = z
  .enum(["none", "software", "hardware", "hardware_mda"])
  .transform((name) => TRUST_BY_NAME[name]);

export const trustName = (level: TrustLevel): string =>
  TrustLevel[level]?.toLowerCase() ?? "unspecified";
