import path from "node:path";
import { create } from "@bufbuild/protobuf";
import { ModelInfoSchema } from "@darkbloom/proto";
import type { Logger } from "@darkbloom/telemetry";
import { loadModel } from "../engine/index.js";
import type { ProviderConfig } from "../config.js";
import { ProviderDaemon, type LoadedModel } from "../daemon/daemon.js";
import { loadOrCreateEncryptionKey } from "../daemon/identity-keys.js";
import { describeModelDir, scanModelsDir } from "../models/scan-models.js";
import { PROVIDER_VERSION } from "../version.js";
import { flag, flags, type ParsedArgs } from "./args.js";

/** `darkbloom start [--coordinator URL] [--model DIR]...`: serve until SIGTERM/SIGINT. */
export async function startCommand(
  args: ParsedArgs,
  config: ProviderConfig,
  log: Logger,
): Promise<number> {
  const coordinatorUrl = flag(args, "coordinator") ?? config.coordinatorUrl;
  const dirs = flags(args, "model");
  const modelDirs =
    dirs.length > 0 ? dirs : await scanModelsDir(path.join(config.homeDir, "models"));
  if (modelDirs.length === 0) {
    process.stderr.write(
      `no models found: pass --model DIR or put model folders in ${path.join(config.homeDir, "models")}\n`,
    );
    return 2;
  }
  const models: LoadedModel[] = [];
  for (const dir of modelDirs) {
    const scanned = await describeModelDir(dir);
    const engine = await loadModel(dir, { modelId: scanned.id });
    const template = engine.templateSelfCheck();
    if (!template.ok)
      log.warn("chat template failed its self-check; the model will not be routed", {
        model: scanned.id,
        error: template.error,
      });
    models.push({
      engine,
      info: create(ModelInfoSchema, {
        id: scanned.id,
        sizeBytes: BigInt(scanned.sizeBytes),
        quantization: scanned.quantization,
        contextLength: engine.contextLength,
        templateOk: template.ok,
        templateError: template.ok ? "" : template.error,
      }),
    });
    log.info("model loaded", { model: scanned.id, bytes: scanned.sizeBytes });
  }
  const keys = await loadOrCreateEncryptionKey(config.homeDir);
  const daemon = new ProviderDaemon({
    coordinatorUrl: toWebSocketUrl(coordinatorUrl),
    authToken: flag(args, "token") ?? config.authToken,
    version: PROVIDER_VERSION,
    keys,
    models,
    writeTimeoutMs: config.writeTimeoutMs,
    maxFrameBytes: config.maxFrameBytes,
    minBackoffMs: config.reconnectMinMs,
    maxBackoffMs: config.reconnectMaxMs,
    log,
  });
  daemon.start();
  process.stdout.write(
    `darkbloom provider serving ${models.map((m) => m.info.id).join(", ")} via ${coordinatorUrl}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      daemon.stop(config.drainTimeoutMs).then(resolve, resolve);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
  return 0;
}

/** Accepts the coordinator's base URL (http/https) or its WebSocket URL. */
export function toWebSocketUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol === "http:") u.protocol = "ws:";
  if (u.protocol === "https:") u.protocol = "wss:";
  if (u.pathname === "/" || u.pathname === "") u.pathname = "/v1/provider/connect";
  return u.toString();
}
