import type { Client } from "@connectrpc/connect";
import type { DatabasePool } from "@darkbloom/db";
import type { AttestationService } from "@darkbloom/proto";
import type { Logger, Registry } from "@darkbloom/telemetry";
import { createCryptoRefusals } from "./crypto-refusals.js";
import { CoordinatorKeyRing } from "./key-ring.js";
import { ReplayGuard } from "./replay-guard.js";
import type { SealedBodyDeps } from "./sealed-body-gate.js";
import type { SealedModeDeps } from "./sealed-mode/sealed-mode-deps.js";
import { SealedReservations } from "./sealed-mode/sealed-reservations.js";

/** What the edge needs for sealed bodies (compat mode) and sealed mode (end to end). */
export type SealedDeps = SealedBodyDeps & SealedModeDeps & { close(): void };

export interface SealedOptions {
  keyRotationMs: number;
  keyGraceMs: number;
  /** 32 bytes sealing the coordinator's secret keys at rest; absent: raw in Postgres only. */
  atRestKey: Uint8Array | undefined;
  /** Replicas as one network: sealed reservation ids become tokens signed with this key. */
  reservationTokenKey?: Uint8Array;
}

/** Wires the key ring (Postgres), replay guard, reservations and the refusal counter. */
export function createSealedDeps(
  pool: DatabasePool,
  attestation: Client<typeof AttestationService>,
  metrics: Registry,
  options: SealedOptions,
  log: Logger,
): SealedDeps {
  const ring = new CoordinatorKeyRing(pool, {
    rotationMs: options.keyRotationMs,
    graceMs: options.keyGraceMs,
    ...(options.atRestKey ? { atRestKey: options.atRestKey } : {}),
  });
  if (!options.atRestKey)
    log.warn(
      "DARKBLOOM_KEY_ENCRYPTION_KEY is not set: encryption secret keys are stored unsealed in Postgres",
    );
  return {
    ring,
    replays: new ReplayGuard(pool),
    refusals: createCryptoRefusals(metrics),
    log,
    attestation,
    reservations: new SealedReservations(10_000, Date.now, options.reservationTokenKey),
    close: () => ring.close(),
  };
}
