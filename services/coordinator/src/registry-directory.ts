import type { ProviderDirectory, ProviderRecord } from "@darkbloom/attestation";
import type { ProviderRegistry } from "@darkbloom/routing";

/** Adapts the routing registry to what attestation reads. */
export function registryDirectory(registry: ProviderRegistry): ProviderDirectory {
  const toRecord = (s: ReturnType<ProviderRegistry["all"]>[number]): ProviderRecord => ({
    providerId: s.id,
    encryptionPublicKey: s.register?.encryptionPublicKey ?? new Uint8Array(),
    trustLevel: s.trustLevel,
    routable: s.state.kind === "registered",
    reason: s.state.kind === "registered" ? "" : "not registered",
    lastAttestedAtMs: 0,
    models: s.register?.models.filter((m) => m.templateOk).map((m) => m.id) ?? [],
  });
  return {
    list: () => registry.all().map(toRecord),
    get: (id) => {
      const s = registry.get(id);
      return s ? toRecord(s) : undefined;
    },
  };
}
