// The machines online now that an operator account owns (linked by its device-code token), as
// the account surface lists them on GET /v1/provider/machines; peers' providers included.
import type { OperatorMachine } from "@darkbloom/edge";
import { TrustLevel } from "@darkbloom/proto";
import type { ProviderHandle } from "@darkbloom/routing";

const TRUST: Partial<Record<TrustLevel, string>> = {
  [TrustLevel.NONE]: "none",
  [TrustLevel.SOFTWARE]: "software",
  [TrustLevel.HARDWARE]: "hardware",
  [TrustLevel.HARDWARE_MDA]: "hardware_mda",
};

export function operatorMachines(
  providers: () => readonly ProviderHandle[],
): (operatorAccountId: string) => OperatorMachine[] {
  return (operatorAccountId) =>
    operatorAccountId === ""
      ? []
      : providers()
          .filter((p) => p.operatorAccountId === operatorAccountId && p.state.kind === "registered")
          .map((p) => ({
            providerId: p.id,
            version: p.register?.version ?? "",
            chip: p.register?.hardware?.chip ?? "",
            memoryGb: p.register?.hardware?.memoryGb ?? 0,
            models: p.register?.models.map((m) => m.id) ?? [],
            trust: TRUST[p.trustLevel] ?? "none",
            routable: p.trust.routable,
            trustReason: p.trust.reason,
            inFlight: p.inFlightCount,
            connectedAtMs: p.state.kind === "registered" ? p.state.registeredAt : 0,
            lastHeartbeatMs: p.lastHeartbeatMs,
          }));
}
