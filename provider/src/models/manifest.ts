import { createHash } from "node:crypto";
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { modelManifestSchema, type ModelManifest } from "@darkbloom/model-contract";
import { combineWeightHash, type HashCache } from "./hash-weights.js";

interface ModelConfigJson {
  model_type?: string;
  quantization?: { bits?: number };
  torch_dtype?: string;
  max_position_embeddings?: number;
}

/** SHA-256 of the chat template text in tokenizer_config.json; empty when the model has none. */
export async function chatTemplateHash(dir: string): Promise<string> {
  try {
    const cfg = JSON.parse(await readFile(path.join(dir, "tokenizer_config.json"), "utf8")) as {
      chat_template?: unknown;
    };
    if (typeof cfg.chat_template !== "string") return "";
    return createHash("sha256").update(cfg.chat_template).digest("hex");
  } catch {
    return "";
  }
}

/** Builds the manifest of a local model folder; file URLs are `baseUrl/<file>`. */
export async function buildManifest(
  dir: string,
  baseUrl: string,
  cache: HashCache,
  meta: { id?: string; displayName?: string; description?: string } = {},
): Promise<ModelManifest> {
  const config = JSON.parse(
    await readFile(path.join(dir, "config.json"), "utf8"),
  ) as ModelConfigJson;
  const names = (await readdir(dir)).sort();
  const files: ModelManifest["files"] = [];
  const base = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
  for (const name of names) {
    if (!(await stat(path.join(dir, name))).isFile() || name.startsWith(".")) continue;
    const h = await cache.hash(path.join(dir, name));
    files.push({
      path: name,
      url: new URL(name, base).toString(),
      sizeBytes: h.sizeBytes,
      sha256: h.sha256,
    });
  }
  const weights = files.filter((f) => f.path.endsWith(".safetensors"));
  return modelManifestSchema.parse({
    id: meta.id ?? path.basename(path.resolve(dir)),
    family: config.model_type ?? "llama",
    quantization: config.quantization?.bits
      ? `q${config.quantization.bits}`
      : (config.torch_dtype ?? "float32"),
    sizeBytes: weights.reduce((n, f) => n + f.sizeBytes, 0),
    contextLength: config.max_position_embeddings ?? 0,
    weightHash: combineWeightHash(
      weights.map((f) => ({ name: f.path, sizeBytes: f.sizeBytes, sha256: f.sha256 })),
    ),
    chatTemplateHash: await chatTemplateHash(dir),
    displayName: meta.displayName ?? "",
    description: meta.description ?? "",
    files,
  });
}
