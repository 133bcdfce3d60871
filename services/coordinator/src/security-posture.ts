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

type StorageSettings = Pick<CoordinatorConfig, "host" | "databaseUrl" | "allowEmbeddedPostgres">;

/** Whether a listen address only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The production guard: a coordinator reachable from other machines without DATABASE_URL would
 * keep money and keys in an embedded Postgres on local disk, silently. It refuses to start (this
 * message) unless DARKBLOOM_ALLOW_EMBEDDED_POSTGRES=true says that is meant.
 */
export function embeddedPostgresRefusal(config: StorageSettings): string | undefined {
  if (config.databaseUrl || config.allowEmbeddedPostgres || isLoopbackHost(config.host))
    return undefined;
  return (
    `Refusing to start: DARKBLOOM_HOST=${config.host} is not a loopback address and DATABASE_URL is ` +
    "not set, so balances, keys and settlements would live in an embedded Postgres on this " +
    "machine's disk. Set DATABASE_URL to your Postgres, or set DARKBLOOM_ALLOW_EMBEDDED_POSTGRES=true " +
    "if a single machine with embedded Postgres is what you want.\n"
  );
}
