import { rm, stat } from "node:fs/promises";
import path from "node:path";
import { DownloadError, downloadModel } from "../models/download-model.js";
import { HashCache } from "../models/hash-weights.js";
import { buildManifest } from "../models/manifest.js";
import { describeModelDir, scanModelsDir } from "../models/scan-models.js";
import { verifyModel } from "../models/verify-model.js";
import { flag } from "./args.js";
import type { CliContext } from "./cli-context.js";
import { EXIT } from "./exit-codes.js";
import { fetchManifest, fetchRegistryManifest } from "./registry-client.js";
import { toHttpBaseUrl } from "./start.js";

const MODELS_USAGE =
  "usage: darkbloom models list | download ID|MANIFEST_URL | verify [ID] | remove ID | publish DIR --base-url URL --api-key KEY";

/** `darkbloom models <list|download|verify|remove|publish>`. */
export async function modelsCommand(ctx: CliContext): Promise<number> {
  const [sub, target] = ctx.args.positionals;
  switch (sub) {
    case "list":
    case undefined:
      return list(ctx);
    case "download":
      return target ? download(ctx, target) : usage(ctx);
    case "verify":
      return verify(ctx, target);
    case "remove":
      return target ? remove(ctx, target) : usage(ctx);
    case "publish":
      return target ? publish(ctx, target) : usage(ctx);
    default:
      return usage(ctx);
  }
}

function usage(ctx: CliContext): number {
  ctx.out.error(MODELS_USAGE);
  return EXIT.usage;
}

const baseUrl = (ctx: CliContext): string =>
  toHttpBaseUrl(flag(ctx.args, "coordinator") ?? ctx.config.coordinatorUrl);

async function list(ctx: CliContext): Promise<number> {
  const models = [];
  for (const dir of await scanModelsDir(ctx.paths.models)) {
    const m = await describeModelDir(dir);
    models.push({ id: m.id, dir, sizeBytes: m.sizeBytes, quantization: m.quantization });
  }
  ctx.out.result(
    { models },
    models.length === 0
      ? `no models in ${ctx.paths.models}`
      : models
          .map((m) => `${m.id}\t${m.quantization}\t${(m.sizeBytes / 1e6).toFixed(1)} MB`)
          .join("\n"),
  );
  return EXIT.ok;
}

async function download(ctx: CliContext, target: string): Promise<number> {
  let manifest;
  try {
    manifest = /^https?:\/\//.test(target)
      ? await fetchManifest(target)
      : await fetchRegistryManifest(baseUrl(ctx), target);
  } catch (err) {
    ctx.out.error(`cannot fetch the manifest: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.network;
  }
  if (!manifest) {
    ctx.out.error(`model ${target} is not in the coordinator's registry`);
    return EXIT.usage;
  }
  const bar = ctx.out.progress(`downloading ${manifest.id}`);
  try {
    const r = await downloadModel(manifest, ctx.paths.models, (p) =>
      bar.update(p.doneBytes, p.totalBytes, `${(p.doneBytes / 1e6).toFixed(1)} MB`),
    );
    bar.done();
    ctx.out.result(
      {
        id: manifest.id,
        dir: r.dir,
        downloadedBytes: r.downloadedBytes,
        resumedBytes: r.resumedBytes,
        weightHash: manifest.weightHash,
      },
      `${manifest.id} downloaded and verified into ${r.dir}${r.resumedBytes > 0 ? ` (resumed ${r.resumedBytes} bytes)` : ""}`,
    );
    return EXIT.ok;
  } catch (err) {
    bar.done();
    ctx.out.error(err instanceof Error ? err.message : String(err));
    return err instanceof DownloadError && /sha256/.test(err.message)
      ? EXIT.checkFailed
      : EXIT.network;
  }
}

async function verify(ctx: CliContext, id: string | undefined): Promise<number> {
  const dirs = id ? [path.join(ctx.paths.models, id)] : await scanModelsDir(ctx.paths.models);
  const cache = new HashCache(ctx.paths.hashCache);
  const results = [];
  for (const dir of dirs) {
    const modelId = path.basename(dir);
    const expected = await fetchRegistryManifest(baseUrl(ctx), modelId).catch(() => undefined);
    const v = await verifyModel(dir, cache, expected?.weightHash);
    results.push({ id: modelId, ...v, registry: expected !== undefined });
  }
  ctx.out.result(
    { models: results },
    results
      .map(
        (r) =>
          `${r.id}: ${r.ok ? "ok" : "FAILED"} ${r.weightHash}${r.registry ? " (checked against the registry)" : ""}${r.problems.map((p) => `\n  ${p}`).join("")}`,
      )
      .join("\n") || "no models",
  );
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.checkFailed;
}

async function remove(ctx: CliContext, id: string): Promise<number> {
  const dir = path.join(ctx.paths.models, path.basename(id));
  const existed = await stat(dir).then(
    () => true,
    () => false,
  );
  await rm(dir, { recursive: true, force: true });
  await rm(`${dir}.partial`, { recursive: true, force: true });
  ctx.out.result({ id, removed: existed }, existed ? `removed ${dir}` : `${id} was not installed`);
  return existed ? EXIT.ok : EXIT.usage;
}

async function publish(ctx: CliContext, dir: string): Promise<number> {
  const fileBase = flag(ctx.args, "base-url");
  const apiKey = flag(ctx.args, "api-key");
  if (!fileBase || !apiKey) return usage(ctx);
  const manifest = await buildManifest(dir, fileBase, new HashCache(ctx.paths.hashCache), {
    id: flag(ctx.args, "id"),
    displayName: flag(ctx.args, "display-name"),
    description: flag(ctx.args, "description"),
  });
  if (flag(ctx.args, "dry-run") === "true") {
    ctx.out.result(manifest, JSON.stringify(manifest, null, 2));
    return EXIT.ok;
  }
  const res = await fetch(`${baseUrl(ctx)}/v1/admin/models`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ manifest }),
  });
  if (!res.ok) {
    ctx.out.error(`the registry refused the model: ${res.status} ${await res.text()}`);
    return res.status === 401 || res.status === 403 ? EXIT.auth : EXIT.network;
  }
  ctx.out.result(
    manifest,
    `published ${manifest.id} (${manifest.files.length} files, weights ${manifest.weightHash})`,
  );
  return EXIT.ok;
}
