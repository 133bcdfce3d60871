import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { readEnv } from "@darkbloom/config";
import { z } from "zod";

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);
const positive = (def: number) => z.coerce.number().int().positive().default(def);

/** An explicit true/false wins; `auto` follows the security mode. */
const required = (
  setting: "auto" | "true" | "false",
  mode: "production" | "development",
): boolean => (setting === "auto" ? mode === "production" : setting === "true");

/** Every coordinator setting, read once from the environment. Defaults are the documented ones. */
const schema = z
  .object({
    DARKBLOOM_HOST: z.string().default("127.0.0.1"),
    DARKBLOOM_PORT: int(8080),
    /**
     * production = provider tokens and attestation required; development = both off (what
     * `npm start` and the e2e testbed ask for). Never inferred from the listen address.
     */
    DARKBLOOM_SECURITY_MODE: z.enum(["production", "development"]).default("production"),
    /** Prometheus /metrics is served on its own listener, never on the API port. */
    DARKBLOOM_METRICS_HOST: z.string().default("127.0.0.1"),
    DARKBLOOM_METRICS_PORT: int(9464),
    /** External Postgres; when absent an embedded Postgres runs under DARKBLOOM_DATA_DIR. */
    DATABASE_URL: z.string().url().optional(),
    DARKBLOOM_DATA_DIR: z.string().default(".data"),
    /** The console's build output (index.html and assets), served at /console. */
    DARKBLOOM_CONSOLE_DIR: z
      .string()
      .default(fileURLToPath(new URL("../../../console/dist/console/browser", import.meta.url))),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
    DARKBLOOM_MAX_BODY_BYTES: int(4 * 1024 * 1024),
    DARKBLOOM_DEFAULT_MAX_TOKENS: int(256),
    DARKBLOOM_SSE_KEEP_ALIVE_MS: int(10_000),
    DARKBLOOM_HEARTBEAT_INTERVAL_MS: int(5_000),
    DARKBLOOM_PROVIDER_LIVENESS_TIMEOUT_MS: int(30_000),
    DARKBLOOM_REGISTER_TIMEOUT_MS: int(10_000),
    DARKBLOOM_PROVIDER_PROBE_TIMEOUT_MS: int(2_000),
    DARKBLOOM_WRITE_TIMEOUT_MS: int(10_000),
    DARKBLOOM_RESERVATION_TTL_MS: int(15_000),
    DARKBLOOM_MAX_FRAME_BYTES: int(8 * 1024 * 1024),
    DARKBLOOM_SHUTDOWN_GRACE_MS: int(10_000),
    // drain on SIGTERM (docs/runbooks/replicas.md): readiness 503 this long before the listener
    // closes, then providers are told to reconnect after the delay plus up to the jitter
    DARKBLOOM_DRAIN_DELAY_MS: int(0),
    DARKBLOOM_GOAWAY_RECONNECT_DELAY_MS: int(0),
    DARKBLOOM_GOAWAY_JITTER_MS: int(1_000),
    /** Lets a coordinator on a non-loopback address run embedded Postgres (no DATABASE_URL). */
    DARKBLOOM_ALLOW_EMBEDDED_POSTGRES: z.enum(["true", "false"]).default("false"),
    // connection phases before a complete request (docs/configuration.md, "Connections")
    DARKBLOOM_FIRST_BYTE_TIMEOUT_MS: positive(10_000),
    DARKBLOOM_HEADERS_TIMEOUT_MS: positive(20_000),
    DARKBLOOM_REQUEST_TIMEOUT_MS: positive(60_000),
    DARKBLOOM_KEEP_ALIVE_TIMEOUT_MS: positive(65_000),
    DARKBLOOM_HTTP2_IDLE_TIMEOUT_MS: positive(65_000),
    /** Unauthenticated connections one client address may hold open; 0 = no cap. */
    DARKBLOOM_MAX_UNAUTHENTICATED_CONNECTIONS_PER_ADDRESS: int(64),
    DARKBLOOM_BOOTSTRAP_CREDIT_MICRO_USD: int(10_000_000),
    DARKBLOOM_ENCRYPTION_KEY_ROTATION_MS: int(86_400_000),
    DARKBLOOM_ENCRYPTION_KEY_GRACE_MS: int(3_600_000),
    /** Base64 of 32 bytes sealing the coordinator's encryption secret keys at rest in Postgres. */
    DARKBLOOM_KEY_ENCRYPTION_KEY: z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$/, "must be base64 of 32 bytes")
      .optional(),
    /** Base64 of 32 bytes keying prefix-affinity hashes (docs/routing.md); random per process when unset. */
    DARKBLOOM_PREFIX_HASH_SECRET: z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$/, "must be base64 of 32 bytes")
      .optional(),
    // attestation (docs/security/attestation.md)
    DARKBLOOM_ATTESTATION_CHALLENGE_INTERVAL_MS: int(300_000),
    DARKBLOOM_ATTESTATION_MAX_AGE_MS: int(360_000),
    DARKBLOOM_MIN_PROVIDER_VERSION: z.string().default(""),
    DARKBLOOM_REQUIRE_RELEASE_BINARY: z.enum(["true", "false"]).default("false"),
    DARKBLOOM_MODEL_HASH_ALLOWLIST: z.string().default(""),
    DARKBLOOM_MDA_ROOTS_FILE: z.string().default(""),
    DARKBLOOM_PROFILE_SIGNING_CERT_FILE: z.string().default(""),
    DARKBLOOM_PROFILE_SIGNING_KEY_FILE: z.string().default(""),
    DARKBLOOM_MDM_SERVER_URL: z.string().default(""),
    /** PEM roots of the device identity certificates that sign MDM check-ins. */
    DARKBLOOM_MDM_IDENTITY_ROOTS_FILE: z.string().default(""),
    /** auto = follow DARKBLOOM_SECURITY_MODE (on in production, off in development). */
    DARKBLOOM_REQUIRE_ATTESTATION: z.enum(["auto", "true", "false"]).default("auto"),
    /** CI token that may register releases (POST /v1/releases); empty = admin keys only. */
    DARKBLOOM_RELEASE_TOKEN: z.string().default(""),
    /** auto = follow DARKBLOOM_SECURITY_MODE (required in production, optional in development). */
    DARKBLOOM_REQUIRE_PROVIDER_TOKEN: z.enum(["auto", "true", "false"]).default("auto"),
    /** Page where a person approves a device code; default <coordinator URL>/device. */
    DARKBLOOM_DEVICE_VERIFICATION_URI: z.string().default(""),
    DARKBLOOM_DEVICE_CODE_TTL_MS: int(900_000),
    DARKBLOOM_DEVICE_POLL_INTERVAL_MS: int(5_000),
    /** Unauthenticated POST /v1/device/code: new codes per client address per minute (then 429). */
    DARKBLOOM_DEVICE_CODES_PER_IP_PER_MINUTE: z.coerce.number().int().positive().default(10),
    /** Pending, unexpired device codes in total (then 429 for everyone). */
    DARKBLOOM_DEVICE_CODE_MAX_PENDING: z.coerce.number().int().positive().default(10_000),
    // routing (docs/routing.md)
    /** Scheduling profile name (ours, least-loaded, round-robin, random) or a JSON profile spec. */
    DARKBLOOM_ROUTING_PROFILE: z.string().default("ours"),
    DARKBLOOM_QUEUE_TIMEOUT_MS: int(120_000),
    DARKBLOOM_RECONNECT_GRACE_MS: int(10_000),
    DARKBLOOM_QUEUE_MAX_DEPTH: int(256),
    DARKBLOOM_HEDGE_ENABLED: z.enum(["true", "false"]).default("true"),
    DARKBLOOM_FIRST_TOKEN_TIMEOUT_MS: int(60_000),
    // Money and accounts (docs/money.md).
    DARKBLOOM_REFERRAL_SHARE_PERCENT: z.coerce.number().int().min(0).max(100).default(10),
    DARKBLOOM_PAYOUT_MINIMUM_MICRO_USD: int(10_000_000),
    /** Unsettled holds older than this are settled at zero usage (docs/money.md, stuck holds). */
    DARKBLOOM_HOLD_SWEEP_AFTER_MS: int(3_600_000),
    DARKBLOOM_HOLD_SWEEP_INTERVAL_MS: int(60_000),
    /** Open holds are heartbeated this often; the sweep age counts from the last heartbeat. */
    DARKBLOOM_HOLD_HEARTBEAT_INTERVAL_MS: int(30_000),
    /** A request open longer than this stops being heartbeated (its hold becomes sweepable). */
    DARKBLOOM_MAX_REQUEST_MS: int(21_600_000),
    /**
     * Credit a replica leases from a consumer's wallet beyond a hold's need; 0 = no leases.
     * $1: ~150 concurrent default worst-case holds per replica (docs/money.md, credit leases).
     */
    DARKBLOOM_CREDIT_LEASE_MICRO_USD: int(1_000_000),
    /** A lease not renewed for this long (its replica died) is returned by any replica. */
    DARKBLOOM_CREDIT_LEASE_TTL_MS: positive(15_000),
    /** A lease with no open hold for this long is returned to the wallet. */
    DARKBLOOM_CREDIT_LEASE_IDLE_MS: positive(5_000),
    /** Lease-backed holds read a model's price from Postgres at most this often. */
    DARKBLOOM_PRICE_CACHE_MS: positive(1_000),
    /** A pending payout (indeterminate Transfer) is retried after this long, up to the attempts. */
    DARKBLOOM_PAYOUT_RETRY_AFTER_MS: int(120_000),
    DARKBLOOM_PAYOUT_MAX_ATTEMPTS: int(5),
    DARKBLOOM_CONNECT_RETURN_URL: z.string().default("http://127.0.0.1:8080/payouts/onboarded"),
    DARKBLOOM_CONNECT_REFRESH_URL: z.string().default("http://127.0.0.1:8080/payouts/onboard"),
    STRIPE_SECRET_KEY: z.string().default(""),
    STRIPE_WEBHOOK_SECRET: z.string().default(""),
    /** Another Stripe API base (a local fake or stripe-mock), e.g. http://127.0.0.1:12111. */
    DARKBLOOM_STRIPE_API_URL: z.string().default(""),
    DARKBLOOM_CHECKOUT_SUCCESS_URL: z.string().default("http://127.0.0.1:8080/billing/success"),
    DARKBLOOM_CHECKOUT_CANCEL_URL: z.string().default("http://127.0.0.1:8080/billing/cancelled"),
    /** Console session JWTs are accepted when an issuer and a key are set. */
    DARKBLOOM_JWT_ISSUER: z.string().default(""),
    DARKBLOOM_JWT_AUDIENCE: z.string().default("darkbloom"),
    DARKBLOOM_JWT_HS256_SECRET: z.string().default(""),
    DARKBLOOM_JWT_ES256_PUBLIC_KEY: z.string().default(""),
    // console sign-in (docs/configuration.md, "Console sign-in"); OIDC is off while the issuer is empty
    DARKBLOOM_OIDC_ISSUER: z.string().default(""),
    DARKBLOOM_OIDC_CLIENT_ID: z.string().default(""),
    DARKBLOOM_OIDC_CLIENT_SECRET: z.string().default(""),
    /** Default <coordinator URL>/v1/auth/oidc/callback. */
    DARKBLOOM_OIDC_REDIRECT_URI: z.string().default(""),
    DARKBLOOM_OIDC_SCOPES: z.string().default("openid email profile"),
    /** A first sign-in (sign-up) needs an invite code. */
    DARKBLOOM_SIGNUP_REQUIRE_INVITE: z.enum(["true", "false"]).default("false"),
    DARKBLOOM_SESSION_TTL_MS: positive(7 * 86_400_000),
    /** auto = Secure (and __Host- names) when DARKBLOOM_OIDC_REDIRECT_URI is https. */
    DARKBLOOM_SESSION_COOKIE_SECURE: z.enum(["auto", "true", "false"]).default("auto"),
    // many replicas as one network (docs/configuration.md, "Replicas")
    DARKBLOOM_PEERS: z.enum(["true", "false"]).default("false"),
    /** This replica's name in presence; default <hostname>-<random suffix>. */
    DARKBLOOM_REPLICA_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/)
      .optional(),
    /** How peers reach this replica's h2c port; default http://<host or hostname>:<port>. */
    DARKBLOOM_ADVERTISE_URL: z.string().url().optional(),
    /** Shared by the replicas of one network: peer calls and sealed reservation tokens. */
    DARKBLOOM_PEER_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  })
  .superRefine((e, ctx) => {
    if (e.DARKBLOOM_PEERS !== "true") return;
    const missing = (
      [
        "DATABASE_URL",
        "DARKBLOOM_PREFIX_HASH_SECRET",
        "DARKBLOOM_KEY_ENCRYPTION_KEY",
        "DARKBLOOM_PEER_SECRET",
      ] as const
    ).filter((k) => !e[k]);
    if (missing.length > 0)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["DARKBLOOM_PEERS"],
        message: `DARKBLOOM_PEERS=true needs ${missing.join(", ")} (replicas share Postgres, prefix hashes, sealed keys and a peer secret)`,
      });
  })
  .refine((e) => e.DARKBLOOM_OIDC_ISSUER === "" || e.DARKBLOOM_OIDC_CLIENT_ID !== "", {
    message: "DARKBLOOM_OIDC_ISSUER needs DARKBLOOM_OIDC_CLIENT_ID",
    path: ["DARKBLOOM_OIDC_CLIENT_ID"],
  })
  .refine((e) => e.DARKBLOOM_HEADERS_TIMEOUT_MS <= e.DARKBLOOM_REQUEST_TIMEOUT_MS, {
    message: "DARKBLOOM_HEADERS_TIMEOUT_MS must not exceed DARKBLOOM_REQUEST_TIMEOUT_MS",
    path: ["DARKBLOOM_HEADERS_TIMEOUT_MS"],
  })
  .transform((e) => ({
    host: e.DARKBLOOM_HOST,
    port: e.DARKBLOOM_PORT,
    securityMode: e.DARKBLOOM_SECURITY_MODE,
    metricsHost: e.DARKBLOOM_METRICS_HOST,
    metricsPort: e.DARKBLOOM_METRICS_PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DARKBLOOM_DATA_DIR,
    consoleDir: e.DARKBLOOM_CONSOLE_DIR,
    logLevel: e.LOG_LEVEL,
    maxBodyBytes: e.DARKBLOOM_MAX_BODY_BYTES,
    defaultMaxTokens: e.DARKBLOOM_DEFAULT_MAX_TOKENS,
    sseKeepAliveMs: e.DARKBLOOM_SSE_KEEP_ALIVE_MS,
    heartbeatIntervalMs: e.DARKBLOOM_HEARTBEAT_INTERVAL_MS,
    livenessTimeoutMs: e.DARKBLOOM_PROVIDER_LIVENESS_TIMEOUT_MS,
    registerTimeoutMs: e.DARKBLOOM_REGISTER_TIMEOUT_MS,
    probeTimeoutMs: e.DARKBLOOM_PROVIDER_PROBE_TIMEOUT_MS,
    writeTimeoutMs: e.DARKBLOOM_WRITE_TIMEOUT_MS,
    reservationTtlMs: e.DARKBLOOM_RESERVATION_TTL_MS,
    maxFrameBytes: e.DARKBLOOM_MAX_FRAME_BYTES,
    shutdownGraceMs: e.DARKBLOOM_SHUTDOWN_GRACE_MS,
    drain: {
      delayMs: e.DARKBLOOM_DRAIN_DELAY_MS,
      goAwayDelayMs: e.DARKBLOOM_GOAWAY_RECONNECT_DELAY_MS,
      goAwayJitterMs: e.DARKBLOOM_GOAWAY_JITTER_MS,
    },
    allowEmbeddedPostgres: e.DARKBLOOM_ALLOW_EMBEDDED_POSTGRES === "true",
    connections: {
      firstByteTimeoutMs: e.DARKBLOOM_FIRST_BYTE_TIMEOUT_MS,
      headersTimeoutMs: e.DARKBLOOM_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.DARKBLOOM_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.DARKBLOOM_KEEP_ALIVE_TIMEOUT_MS,
      http2IdleTimeoutMs: e.DARKBLOOM_HTTP2_IDLE_TIMEOUT_MS,
      maxUnauthenticatedPerAddress: e.DARKBLOOM_MAX_UNAUTHENTICATED_CONNECTIONS_PER_ADDRESS,
    },
    bootstrapCreditMicroUsd: e.DARKBLOOM_BOOTSTRAP_CREDIT_MICRO_USD,
    encryptionKeyRotationMs: e.DARKBLOOM_ENCRYPTION_KEY_ROTATION_MS,
    encryptionKeyGraceMs: e.DARKBLOOM_ENCRYPTION_KEY_GRACE_MS,
    keyEncryptionKey: e.DARKBLOOM_KEY_ENCRYPTION_KEY
      ? new Uint8Array(Buffer.from(e.DARKBLOOM_KEY_ENCRYPTION_KEY, "base64"))
      : undefined,
    prefixHashSecret: e.DARKBLOOM_PREFIX_HASH_SECRET
      ? new Uint8Array(Buffer.from(e.DARKBLOOM_PREFIX_HASH_SECRET, "base64"))
      : undefined,
    attestation: {
      challengeIntervalMs: e.DARKBLOOM_ATTESTATION_CHALLENGE_INTERVAL_MS,
      maxAttestationAgeMs: e.DARKBLOOM_ATTESTATION_MAX_AGE_MS,
      minVersion: e.DARKBLOOM_MIN_PROVIDER_VERSION,
      requireReleaseBinary: e.DARKBLOOM_REQUIRE_RELEASE_BINARY === "true",
      modelHashAllowList: e.DARKBLOOM_MODEL_HASH_ALLOWLIST,
      mdaRootsFile: e.DARKBLOOM_MDA_ROOTS_FILE,
      profileSigningCertFile: e.DARKBLOOM_PROFILE_SIGNING_CERT_FILE,
      profileSigningKeyFile: e.DARKBLOOM_PROFILE_SIGNING_KEY_FILE,
      mdmServerUrl: e.DARKBLOOM_MDM_SERVER_URL,
      mdmIdentityRootsFile: e.DARKBLOOM_MDM_IDENTITY_ROOTS_FILE,
      requireAttestation: required(e.DARKBLOOM_REQUIRE_ATTESTATION, e.DARKBLOOM_SECURITY_MODE),
    },
    releaseToken: e.DARKBLOOM_RELEASE_TOKEN,
    requireProviderToken: required(e.DARKBLOOM_REQUIRE_PROVIDER_TOKEN, e.DARKBLOOM_SECURITY_MODE),
    routing: {
      profile: e.DARKBLOOM_ROUTING_PROFILE,
      queueTimeoutMs: e.DARKBLOOM_QUEUE_TIMEOUT_MS,
      reconnectGraceMs: e.DARKBLOOM_RECONNECT_GRACE_MS,
      queueMaxDepth: e.DARKBLOOM_QUEUE_MAX_DEPTH,
      hedgeEnabled: e.DARKBLOOM_HEDGE_ENABLED === "true",
      firstTokenTimeoutMs: e.DARKBLOOM_FIRST_TOKEN_TIMEOUT_MS,
    },
    money: {
      referralSharePercent: e.DARKBLOOM_REFERRAL_SHARE_PERCENT,
      payoutMinimumMicroUsd: BigInt(e.DARKBLOOM_PAYOUT_MINIMUM_MICRO_USD),
      holdSweepAfterMs: e.DARKBLOOM_HOLD_SWEEP_AFTER_MS,
      holdSweepIntervalMs: e.DARKBLOOM_HOLD_SWEEP_INTERVAL_MS,
      holdHeartbeatIntervalMs: e.DARKBLOOM_HOLD_HEARTBEAT_INTERVAL_MS,
      maxRequestMs: e.DARKBLOOM_MAX_REQUEST_MS,
      creditLeaseMicroUsd: BigInt(e.DARKBLOOM_CREDIT_LEASE_MICRO_USD),
      creditLeaseTtlMs: e.DARKBLOOM_CREDIT_LEASE_TTL_MS,
      creditLeaseIdleMs: e.DARKBLOOM_CREDIT_LEASE_IDLE_MS,
      priceCacheMs: e.DARKBLOOM_PRICE_CACHE_MS,
      payoutRetryAfterMs: e.DARKBLOOM_PAYOUT_RETRY_AFTER_MS,
      payoutMaxAttempts: e.DARKBLOOM_PAYOUT_MAX_ATTEMPTS,
      connectReturnUrl: e.DARKBLOOM_CONNECT_RETURN_URL,
      connectRefreshUrl: e.DARKBLOOM_CONNECT_REFRESH_URL,
      stripeSecretKey: e.STRIPE_SECRET_KEY,
      stripeWebhookSecret: e.STRIPE_WEBHOOK_SECRET,
      stripeApiUrl: e.DARKBLOOM_STRIPE_API_URL,
      checkoutSuccessUrl: e.DARKBLOOM_CHECKOUT_SUCCESS_URL,
      checkoutCancelUrl: e.DARKBLOOM_CHECKOUT_CANCEL_URL,
    },
    jwt: {
      issuer: e.DARKBLOOM_JWT_ISSUER,
      audience: e.DARKBLOOM_JWT_AUDIENCE,
      hs256Secret: e.DARKBLOOM_JWT_HS256_SECRET,
      es256PublicKeyPem: e.DARKBLOOM_JWT_ES256_PUBLIC_KEY.replaceAll("\\n", "\n"),
    },
    consoleAuth: {
      oidc:
        e.DARKBLOOM_OIDC_ISSUER === ""
          ? undefined
          : {
              issuer: e.DARKBLOOM_OIDC_ISSUER,
              clientId: e.DARKBLOOM_OIDC_CLIENT_ID,
              clientSecret: e.DARKBLOOM_OIDC_CLIENT_SECRET,
              redirectUri: e.DARKBLOOM_OIDC_REDIRECT_URI,
              scopes: e.DARKBLOOM_OIDC_SCOPES,
            },
      requireInvite: e.DARKBLOOM_SIGNUP_REQUIRE_INVITE === "true",
      sessionTtlMs: e.DARKBLOOM_SESSION_TTL_MS,
      secureCookies:
        e.DARKBLOOM_SESSION_COOKIE_SECURE === "auto"
          ? e.DARKBLOOM_OIDC_REDIRECT_URI.startsWith("https:")
          : e.DARKBLOOM_SESSION_COOKIE_SECURE === "true",
    },
    peers: {
      enabled: e.DARKBLOOM_PEERS === "true",
      replicaId: e.DARKBLOOM_REPLICA_ID ?? `${hostname()}-${randomBytes(4).toString("hex")}`,
      /** Absent: http://<host or hostname>:<listening port>, filled in once listening. */
      advertiseUrl: e.DARKBLOOM_ADVERTISE_URL,
      secret: e.DARKBLOOM_PEER_SECRET ?? "",
    },
    deviceCode: {
      verificationUri: e.DARKBLOOM_DEVICE_VERIFICATION_URI,
      expiresInS: Math.ceil(e.DARKBLOOM_DEVICE_CODE_TTL_MS / 1000),
      intervalS: Math.ceil(e.DARKBLOOM_DEVICE_POLL_INTERVAL_MS / 1000),
      perIpPerMinute: e.DARKBLOOM_DEVICE_CODES_PER_IP_PER_MINUTE,
      maxPending: e.DARKBLOOM_DEVICE_CODE_MAX_PENDING,
    },
  }));

export type CoordinatorConfig = z.infer<typeof schema>;

export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): CoordinatorConfig {
  return readEnv(schema, env);
}
