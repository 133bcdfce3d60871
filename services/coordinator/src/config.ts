import { readEnv } from "@darkbloom/config";
import { z } from "zod";

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

/** Every coordinator setting, read once from the environment. Defaults are the documented ones. */
const schema = z
  .object({
    DARKBLOOM_HOST: z.string().default("127.0.0.1"),
    DARKBLOOM_PORT: int(8080),
    /** External Postgres; when absent an embedded Postgres runs under DARKBLOOM_DATA_DIR. */
    DATABASE_URL: z.string().url().optional(),
    DARKBLOOM_DATA_DIR: z.string().default(".data"),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
    DARKBLOOM_MAX_BODY_BYTES: int(4 * 1024 * 1024),
    DARKBLOOM_DEFAULT_MAX_TOKENS: int(256),
    DARKBLOOM_HEARTBEAT_INTERVAL_MS: int(5_000),
    DARKBLOOM_PROVIDER_LIVENESS_TIMEOUT_MS: int(30_000),
    DARKBLOOM_REGISTER_TIMEOUT_MS: int(10_000),
    DARKBLOOM_WRITE_TIMEOUT_MS: int(10_000),
    DARKBLOOM_RESERVATION_TTL_MS: int(15_000),
    DARKBLOOM_MAX_FRAME_BYTES: int(8 * 1024 * 1024),
    DARKBLOOM_SHUTDOWN_GRACE_MS: int(10_000),
    DARKBLOOM_BOOTSTRAP_CREDIT_MICRO_USD: int(10_000_000),
  })
  .transform((e) => ({
    host: e.DARKBLOOM_HOST,
    port: e.DARKBLOOM_PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DARKBLOOM_DATA_DIR,
    logLevel: e.LOG_LEVEL,
    maxBodyBytes: e.DARKBLOOM_MAX_BODY_BYTES,
    defaultMaxTokens: e.DARKBLOOM_DEFAULT_MAX_TOKENS,
    heartbeatIntervalMs: e.DARKBLOOM_HEARTBEAT_INTERVAL_MS,
    livenessTimeoutMs: e.DARKBLOOM_PROVIDER_LIVENESS_TIMEOUT_MS,
    registerTimeoutMs: e.DARKBLOOM_REGISTER_TIMEOUT_MS,
    writeTimeoutMs: e.DARKBLOOM_WRITE_TIMEOUT_MS,
    reservationTtlMs: e.DARKBLOOM_RESERVATION_TTL_MS,
    maxFrameBytes: e.DARKBLOOM_MAX_FRAME_BYTES,
    shutdownGraceMs: e.DARKBLOOM_SHUTDOWN_GRACE_MS,
    bootstrapCreditMicroUsd: e.DARKBLOOM_BOOTSTRAP_CREDIT_MICRO_USD,
  }));

export type CoordinatorConfig = z.infer<typeof schema>;

export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): CoordinatorConfig {
  return readEnv(schema, env);
}
