import { mkdir, rm } from "node:fs/promises";
import os from "node:os";
import { ignoreOutputErrors } from "@darkbloom/telemetry";
import { createAttestor } from "../attestation/create-attestor.js";
import { loadOrCreateEncryptionKey } from "../daemon/identity-keys.js";
import { DEFAULT_GATE } from "../daemon/memory-gate.js";
import { ModelSet, threadedMlxLoader } from "../daemon/model-set.js";
import { ProviderDaemon } from "../daemon/daemon.js";
import { MlxSetupError } from "../engine/mlx-backend/mlx-install.js";
import { prepareMlx } from "../engine/mlx-backend/prepare-mlx.js";
import { scanModelsDir } from "../models/scan-models.js";
import { PROVIDER_VERSION } from "../version.js";
import { writeFileAtomic } from "../write-file-atomic.js";
import { flag, flags } from "./args.js";
import { readBenchmarks } from "./benchmark-file.js";
import type { CliContext } from "./cli-context.js";
import { readCredentials } from "./credentials.js";
import { detachDaemon } from "./detach.js";
import { EXIT } from "./exit-codes.js";
import { readLivePid, removePidFile, writePidFile } from "./pid-file.js";

/**
 * `darkbloom start [--daemon] [--coordinator URL] [--model DIR]... [--token T] [--unpinned]`.
 * `--unpinned`: the models loaded at start may be unloaded after DARKBLOOM_IDLE_UNLOAD_MS idle,
 * like those the warm pool loads (default: they stay loaded).
 */
export async function startCommand(ctx: CliContext): Promise<number> {
  const { args, config, log, out, paths } = ctx;
  await mkdir(paths.home, { recursive: true, mode: 0o700 });
  const running = await readLivePid(paths.pidFile);
  if (running !== undefined) {
    out.error(`a daemon is already running (pid ${running}); run: darkbloom stop`);
    return EXIT.failure;
  }
  if (flag(args, "daemon") === "true") return detachDaemon(ctx);
  // Serving in the foreground: a terminal or pipe that goes away must not end the requests it runs.
  ignoreOutputErrors([process.stdout, process.stderr]);

  const coordinatorUrl = flag(args, "coordinator") ?? config.coordinatorUrl;
  const dirs = flags(args, "model");
  const modelDirs = dirs.length > 0 ? dirs : await scanModelsDir(paths.models);
  if (modelDirs.length === 0) {
    out.error(`no models found: pass --model DIR or put model folders in ${paths.models}`);
    return EXIT.usage;
  }
  try {
    const mlx = await prepareMlx({
      platform: process.platform,
      arch: process.arch,
      homeDir: config.homeDir,
      baseUrl: config.mlxBaseUrl,
    });
    log.info("mlx backend", { backend: mlx.backend, reason: mlx.reason });
  } catch (err) {
    if (!(err instanceof MlxSetupError)) throw err;
    out.error(err.message);
    return EXIT.failure;
  }
  const models = new ModelSet(
    { ...DEFAULT_GATE, totalBytes: os.totalmem(), capOverrideBytes: config.memoryCapBytes },
    log,
    threadedMlxLoader({ prefillTokensPerStep: config.prefillTokensPerStep }),
    {
      maxContextTokens: config.maxContextTokens || undefined,
      kvCapacityCapTokens: config.kvCapacityTokens || undefined,
    },
  );
  const pinned = flag(args, "unpinned") !== "true";
  for (const dir of modelDirs) {
    const entry = await models.load(dir, pinned);
    if (entry.state === "failed") out.error(`model ${entry.id} failed to load: ${entry.error}`);
  }
  if (models.infos().length === 0) {
    out.error("no model could be loaded; run: darkbloom doctor");
    return EXIT.checkFailed;
  }
  const keys = await loadOrCreateEncryptionKey(config.homeDir);
  const attestor = await createAttestor({
    homeDir: config.homeDir,
    version: PROVIDER_VERSION,
    encryptionPublicKey: keys.publicKey,
    models: () => models.entries().flatMap((e) => (e.state === "loaded" ? [e] : [])),
  });
  const token =
    flag(args, "token") ?? (config.authToken || (await readCredentials(paths))?.token || "");
  const daemon = new ProviderDaemon({
    coordinatorUrl: toWebSocketUrl(coordinatorUrl),
    authToken: token,
    version: PROVIDER_VERSION,
    keys,
    models,
    modelsDir: paths.models,
    benchmarks: await readBenchmarks(
      paths,
      models.infos().map((m) => m.id),
    ),
    idleUnloadMs: config.idleUnloadMs,
    writeTimeoutMs: config.writeTimeoutMs,
    maxFrameBytes: config.maxFrameBytes,
    minBackoffMs: config.reconnectMinMs,
    maxBackoffMs: config.reconnectMaxMs,
    log,
    attestor,
  });
  await writePidFile(paths.pidFile, process.pid);
  const writeStatus = (): Promise<void> =>
    writeFileAtomic(
      paths.statusFile,
      JSON.stringify({
        pid: process.pid,
        version: PROVIDER_VERSION,
        coordinatorUrl,
        updatedAtMs: Date.now(),
        ...daemon.snapshot(),
      }),
    ).catch((err: unknown) => log.warn("status file not written", { error: String(err) }));
  daemon.start();
  await writeStatus();
  const statusTimer = setInterval(() => void writeStatus(), 1000);
  out.info(
    `darkbloom provider serving ${models
      .infos()
      .map((m) => m.id)
      .join(", ")} via ${coordinatorUrl}`,
  );
  await new Promise<void>((resolve) => {
    // SIGHUP: the terminal it serves from closed (an SSH session dropped); drain all the same.
    const signals = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
    const stop = (): void => {
      for (const signal of signals) process.off(signal, stop);
      log.info("draining", { inFlight: daemon.snapshot().inFlight });
      void writeStatus();
      daemon.stop(config.drainTimeoutMs).then(resolve, resolve);
    };
    for (const signal of signals) process.on(signal, stop);
  });
  clearInterval(statusTimer);
  await writeStatus();
  await removePidFile(paths.pidFile, process.pid);
  await rm(paths.statusFile, { force: true });
  return EXIT.ok;
}

/** Accepts the coordinator's base URL (http/https) or its WebSocket URL. */
export function toWebSocketUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol === "http:") u.protocol = "ws:";
  if (u.protocol === "https:") u.protocol = "wss:";
  if (u.pathname === "/" || u.pathname === "") u.pathname = "/v1/provider/connect";
  return u.toString();
}

/** The coordinator's HTTP base URL from either form. */
export function toHttpBaseUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol === "ws:") u.protocol = "http:";
  if (u.protocol === "wss:") u.protocol = "https:";
  return `${u.protocol}//${u.host}`;
}
