import type { ProviderDirectory, ProviderRecord } from "@darkbloom/attestation";
import type { ProviderRegistry } from "@darkbloom/routing";

/** Adapts the routing registry to what attestation reads. */
export function registryDirectory(registry: ProviderRegistry): ProviderDirectory {
  const toRecord = (s: ReturnType<ProviderRegistry["all"]>[number]): ProviderRecord => ({
    providerId: s.id,
    encryptionPublicKey: s.register?.encryptionPublicKey ?? new Uint8Array(),
    trustLevel: s.trustLevel,
    routable: s.state.kind === "registered" && s.trust.routable,
    reason: s.state.kind === "registered" ? s.trust.reason : "not registered",
    lastAttestedAtMs: s.trust.lastAttestedAtMs,
    models:
      s.register?.models
        .filter((m) => m.templateOk && !s.trust.fencedModels.has(m.id))
        .map((m) => m.id) ?? [],
  });
  return {
    list: () => registry.all().map(toRecord),
    get: (id) => {
      const s = registry.get(id);
      return s ? toRecord(s) : undefined;
    },
  };
}
