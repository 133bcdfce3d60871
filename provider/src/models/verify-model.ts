import { readdir } from "node:fs/promises";
import path from "node:path";
import type { HashCache } from "./hash-weights.js";
import { combineWeightHash } from "./hash-weights.js";
import { readSafetensorsHeader } from "./safetensors-header.js";

export interface VerifyResult {
  ok: boolean;
  weightHash: string;
  problems: string[];
}

/**
 * Checks a model folder: every weight file's safetensors header parses and its tensors fit the
 * file, and the weight hash matches the expected one (the registry's) when given.
 */
export async function verifyModel(
  dir: string,
  cache: HashCache,
  expectedWeightHash?: string,
): Promise<VerifyResult> {
  const problems: string[] = [];
  const names = (await readdir(dir)).filter((f) => f.endsWith(".safetensors")).sort();
  if (names.length === 0) problems.push("no *.safetensors weight files");
  for (const f of ["config.json", "tokenizer.json"])
    if (!(await readdir(dir)).includes(f)) problems.push(`${f} is missing`);
  const files = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const header = await readSafetensorsHeader(file);
    if (!header.ok) problems.push(`${name}: ${header.error}`);
    files.push(await cache.hash(file));
  }
  const weightHash = combineWeightHash(files);
  if (expectedWeightHash && expectedWeightHash !== weightHash)
    problems.push(`weight hash ${weightHash} differs from the registry's ${expectedWeightHash}`);
  return { ok: problems.length === 0, weightHash, problems };
}
