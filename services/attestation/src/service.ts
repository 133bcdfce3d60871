import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { keyFingerprint } from "@darkbloom/crypto";
import type { AttestationService } from "@darkbloom/proto";
import type { ProviderDirectory } from "./provider-directory.js";

export function createAttestationService(
  directory: ProviderDirectory,
): ServiceImpl<typeof AttestationService> {
  return {
    getProviderKeys(req) {
      if (!req.model) throw new ConnectError("model is required", Code.InvalidArgument);
      const keys = directory
        .list()
        .filter((p) => p.routable && p.trustLevel >= req.minTrust && p.models.includes(req.model))
        .map((p) => ({
          providerId: p.providerId,
          publicKey: p.encryptionPublicKey,
          trustLevel: p.trustLevel,
          keyFingerprint: keyFingerprint(p.encryptionPublicKey),
        }));
      return { keys };
    },

    getTrust(req) {
      const p = directory.get(req.providerId);
      if (!p) throw new ConnectError(`provider ${req.providerId} is not connected`, Code.NotFound);
      return {
        trustLevel: p.trustLevel,
        routable: p.routable,
        reason: p.reason,
        lastAttestedAtMs: BigInt(p.lastAttestedAtMs),
      };
    },
  };
}
