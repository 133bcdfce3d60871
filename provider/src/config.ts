import os from "node:os";
import path from "node:path";
import { readEnv } from "@darkbloom/config";
import { z } from "zod";

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

/** Provider settings from the environment; CLI flags override them. */
const schema = z
  .object({
    DARKBLOOM_COORDINATOR_URL: z.string().default("ws://127.0.0.1:8080/v1/provider/connect"),
    DARKBLOOM_HOME: z.string().default(path.join(os.homedir(), ".darkbloom")),
    DARKBLOOM_PROVIDER_TOKEN: z.string().default(""),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
    DARKBLOOM_WRITE_TIMEOUT_MS: int(10_000),
    DARKBLOOM_MAX_FRAME_BYTES: int(8 * 1024 * 1024),
    DARKBLOOM_RECONNECT_MIN_MS: int(500),
    DARKBLOOM_RECONNECT_MAX_MS: int(30_000),
    DARKBLOOM_DRAIN_TIMEOUT_MS: int(30_000),
    DARKBLOOM_MEMORY_CAP_BYTES: int(0),
    DARKBLOOM_IDLE_UNLOAD_MS: int(3_600_000),
    DARKBLOOM_MAX_CONTEXT_TOKENS: int(0),
    DARKBLOOM_KV_CAPACITY_TOKENS: int(0),
    DARKBLOOM_MLX_BASE_URL: z
      .string()
      .url()
      .default("https://github.com/frost-beta/node-mlx/releases/download"),
    DARKBLOOM_LOCAL_PORT: int(8000),
    DARKBLOOM_PREFILL_TOKENS_PER_STEP: int(512),
  })
  .transform((e) => ({
    coordinatorUrl: e.DARKBLOOM_COORDINATOR_URL,
    homeDir: e.DARKBLOOM_HOME,
    authToken: e.DARKBLOOM_PROVIDER_TOKEN,
    logLevel: e.LOG_LEVEL,
    writeTimeoutMs: e.DARKBLOOM_WRITE_TIMEOUT_MS,
    maxFrameBytes: e.DARKBLOOM_MAX_FRAME_BYTES,
    reconnectMinMs: e.DARKBLOOM_RECONNECT_MIN_MS,
    reconnectMaxMs: e.DARKBLOOM_RECONNECT_MAX_MS,
    drainTimeoutMs: e.DARKBLOOM_DRAIN_TIMEOUT_MS,
    /** 0 = 0.9 × RAM with at least 2 GiB left to the OS. */
    memoryCapBytes: e.DARKBLOOM_MEMORY_CAP_BYTES,
    idleUnloadMs: e.DARKBLOOM_IDLE_UNLOAD_MS,
    /** 0 = each model's own max_position_embeddings; also lowers the post-load KV minimum. */
    maxContextTokens: e.DARKBLOOM_MAX_CONTEXT_TOKENS,
    /** 0 = from the memory budget; otherwise the most KV tokens each model advertises. */
    kvCapacityTokens: e.DARKBLOOM_KV_CAPACITY_TOKENS,
    /** Where the Metal build of MLX is fetched (`<base>/v<version>/mlx-mac-arm64.*.gz`). */
    mlxBaseUrl: e.DARKBLOOM_MLX_BASE_URL,
    localPort: e.DARKBLOOM_LOCAL_PORT,
    /** Prompt tokens per engine step; a longer prompt is prefilled in chunks of this size. */
    prefillTokensPerStep: Math.max(1, e.DARKBLOOM_PREFILL_TOKENS_PER_STEP),
  }));

export type ProviderConfig = z.infer<typeof schema>;

export function loadProviderConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ProviderConfig {
  return readEnv(schema, env);
}
