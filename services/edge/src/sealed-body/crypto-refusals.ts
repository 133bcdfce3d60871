import { Counter, type Registry } from "@darkbloom/telemetry";

/** Why the edge refused sealed bytes; each reason is one label value of the counter. */
export type RefusalReason =
  | "bad_envelope"
  | "unknown_kid"
  | "expired_kid"
  | "truncated"
  | "authentication_failed"
  | "replayed_request"
  | "bad_key"
  | "chunk_authentication_failed";

export interface CryptoRefusals {
  count(reason: RefusalReason): void;
}

/** `darkbloom_crypto_refusals_total{reason}` on the given registry. */
export function createCryptoRefusals(registry: Registry): CryptoRefusals {
  const counter = new Counter({
    name: "darkbloom_crypto_refusals_total",
    help: "Sealed messages refused by the edge (tampered, truncated, replayed, unknown key)",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  return { count: (reason) => counter.inc({ reason }) };
}
