import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";

export interface ScannedModel {
  id: string;
  dir: string;
  sizeBytes: number;
  quantization: string;
  /** Absolute paths of the *.safetensors files. */
  weightFiles: string[];
}

/** Model folders directly under root (each holding a config.json). Fast: no hashing. */
export async function scanModelsDir(root: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return [];
  }
  const dirs: string[] = [];
  for (const name of entries.sort()) {
    const dir = path.join(root, name);
    if (await exists(path.join(dir, "config.json"))) dirs.push(dir);
  }
  return dirs;
}

/** Reads what registration needs without loading weights: id, weight bytes, quantization. */
export async function describeModelDir(dir: string): Promise<ScannedModel> {
  const config = JSON.parse(await readFile(path.join(dir, "config.json"), "utf8")) as {
    quantization?: { bits?: number };
    torch_dtype?: string;
  };
  let sizeBytes = 0;
  const weightFiles: string[] = [];
  for (const f of (await readdir(dir)).sort()) {
    if (!f.endsWith(".safetensors")) continue;
    weightFiles.push(path.resolve(dir, f));
    sizeBytes += (await stat(path.join(dir, f))).size;
  }
  const quantization = config.quantization?.bits
    ? `q${config.quantization.bits}`
    : (config.torch_dtype ?? "float32");
  return { id: path.basename(path.resolve(dir)), dir, sizeBytes, quantization, weightFiles };
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
