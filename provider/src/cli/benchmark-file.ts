import { readFile } from "node:fs/promises";
import { create } from "@bufbuild/protobuf";
import { BenchmarkSchema, type Benchmark } from "@darkbloom/proto";
import { writeFileAtomic } from "../write-file-atomic.js";
import type { HomePaths } from "./home-paths.js";

export interface BenchmarkRecord {
  modelId: string;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  measuredAtMs: number;
}

async function readAll(paths: HomePaths): Promise<Record<string, BenchmarkRecord>> {
  try {
    return JSON.parse(await readFile(paths.benchmarks, "utf8")) as Record<string, BenchmarkRecord>;
  } catch {
    return {};
  }
}

export async function saveBenchmark(paths: HomePaths, record: BenchmarkRecord): Promise<void> {
  const all = await readAll(paths);
  all[record.modelId] = record;
  await writeFileAtomic(paths.benchmarks, JSON.stringify(all, null, 2) + "\n");
}

/** Saved results for the given models, as `Register.benchmarks`. */
export async function readBenchmarks(
  paths: HomePaths,
  modelIds: readonly string[],
): Promise<Benchmark[]> {
  const all = await readAll(paths);
  return modelIds.flatMap((id) => {
    const r = all[id];
    return r
      ? [
          create(BenchmarkSchema, {
            modelId: id,
            prefillTokensPerSecond: r.prefillTokensPerSecond,
            decodeTokensPerSecond: r.decodeTokensPerSecond,
          }),
        ]
      : [];
  });
}
