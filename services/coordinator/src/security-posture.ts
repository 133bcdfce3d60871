import type { CoordinatorConfig } from "./config.js";

type PostureSettings = Pick<CoordinatorConfig, "securityMode" | "requireProviderToken" | "host"> & {
  readonly attestation: Pick<CoordinatorConfig["attestation"], "requireAttestation">;
};

/**
 * The startup banner stating who may serve on this coordinator. A development posture (provider
 * tokens or attestation off) is loud: any machine that reaches the port could register as a
 * provider and read the prompts routed to it.
 */
export function describeSecurityPosture(config: PostureSettings): string {
  const token = config.requireProviderToken;
  const attest = config.attestation.requireAttestation;
  const settings =
    `DARKBLOOM_SECURITY_MODE=${config.securityMode}: provider tokens ${token ? "required" : "OFF"}, ` +
    `attestation ${attest ? "required" : "OFF"}`;
  if (token && attest) return `Security posture: PRODUCTION (${settings})\n`;
  const bar = "!".repeat(78);
  return [
    bar,
    `!! Security posture: ${config.securityMode === "production" ? "WEAKENED PRODUCTION" : "DEVELOPMENT"} (${settings})`,
    "!! Unverified machines may register as providers and read the prompts routed to them.",
    `!! Listening on ${config.host}: never expose this coordinator to untrusted networks.`,
    "!! Set DARKBLOOM_SECURITY_MODE=production (and no REQUIRE_* overrides) for a real deployment.",
    bar,
    "",
  ].join("\n");
}
