import { z } from "zod";
import { canonicalJson } from "@darkbloom/crypto";

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/** The status a provider signs at registration and in every challenge answer. */
export const providerStatusSchema = z
  .object({
    /** Schema version of this document. */
    v: z.literal(1),
    version: z.string(),
    /** SHA-256 of the provider's code bundle (docs/security/attestation.md#binary-hash). */
    binaryHash: sha256Hex,
    /** Base64 X25519 key the provider decrypts requests with: the identity key vouches for it. */
    encryptionPublicKey: z.string(),
    keySource: z.enum(["software", "secure-enclave"]),
    models: z.array(z.object({ id: z.string(), weightHash: sha256Hex })),
    security: z
      .object({
        platform: z.string(),
        /** A debugger or inspector attached to the provider could read plaintext. */
        inspectorAttached: z.boolean(),
        sip: z.enum(["enabled", "disabled", "unknown"]),
      })
      .strict(),
    /** Apple UDID when the machine is MDM-enrolled; empty otherwise. */
    deviceId: z.string().default(""),
  })
  .strict();

export type ProviderStatus = z.infer<typeof providerStatusSchema>;

export type StatusParse = { ok: true; status: ProviderStatus } | { ok: false; message: string };

/** Parses signed status bytes; bytes that are not canonical JSON of a valid status are refused. */
export function parseStatus(bytes: Uint8Array): StatusParse {
  const text = new TextDecoder().decode(bytes);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: "status is not JSON" };
  }
  const parsed = providerStatusSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, message: `status is invalid: ${parsed.error.issues[0]?.message ?? ""}` };
  if (canonicalJson(raw) !== text) return { ok: false, message: "status is not canonical JSON" };
  return { ok: true, status: parsed.data };
}
