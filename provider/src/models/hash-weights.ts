import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { weightHashOf } from "@darkbloom/crypto";
import { writeFileAtomic } from "../write-file-atomic.js";

export interface FileHash {
  name: string;
  sizeBytes: number;
  sha256: string;
}

interface CacheEntry {
  sizeBytes: number;
  mtimeMs: number;
  sha256: string;
}

/** Streams a file through SHA-256 (constant memory, any size). */
export async function sha256File(file: string, onBytes?: (n: number) => void): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).byteLength);
  }
  return hash.digest("hex");
}

/**
 * The model's weight hash: the one definition in `@darkbloom/crypto` (`weightHashOf`: SHA-256 of
 * the `sha256sum` lines of the `*.safetensors` files in code-unit name order), which the
 * coordinator rebuilds from the model registry's per-file hashes.
 */
export function combineWeightHash(files: readonly FileHash[]): string {
  return weightHashOf(files);
}

/**
 * Per-file SHA-256 cache keyed by (absolute path, size, mtime), kept as JSON in the provider's
 * home so `models verify` and registration do not re-read unchanged weights.
 */
export class HashCache {
  private entries: Record<string, CacheEntry> | undefined;

  constructor(private readonly file: string | undefined) {}

  async hash(file: string, onBytes?: (n: number) => void): Promise<FileHash> {
    const abs = path.resolve(file);
    const st = await stat(abs);
    const entries = await this.load();
    const hit = entries[abs];
    const name = path.basename(abs);
    if (hit && hit.sizeBytes === st.size && hit.mtimeMs === st.mtimeMs) {
      onBytes?.(st.size);
      return { name, sizeBytes: st.size, sha256: hit.sha256 };
    }
    const sha256 = await sha256File(abs, onBytes);
    entries[abs] = { sizeBytes: st.size, mtimeMs: st.mtimeMs, sha256 };
    await this.save();
    return { name, sizeBytes: st.size, sha256 };
  }

  private async load(): Promise<Record<string, CacheEntry>> {
    if (this.entries) return this.entries;
    this.entries = {};
    if (!this.file) return this.entries;
    try {
      this.entries = JSON.parse(await readFile(this.file, "utf8")) as Record<string, CacheEntry>;
    } catch {
      // no cache yet (or unreadable): start empty, it is only an optimisation
    }
    return this.entries;
  }

  private async save(): Promise<void> {
    if (!this.file) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify(this.entries));
  }
}

export interface WeightHashes {
  weightHash: string;
  files: FileHash[];
}

/** Hashes a model folder's weight files (cached); the result goes into `ModelInfo.weight_hash`. */
export async function hashModelWeights(
  dir: string,
  cache: HashCache,
  onBytes?: (n: number) => void,
): Promise<WeightHashes> {
  const names = (await readdir(dir)).filter((f) => f.endsWith(".safetensors")).sort();
  const files: FileHash[] = [];
  for (const name of names) files.push(await cache.hash(path.join(dir, name), onBytes));
  return { weightHash: combineWeightHash(files), files };
}
