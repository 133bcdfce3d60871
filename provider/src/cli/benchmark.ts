import { loadModel } from "../engine/index.js";
import { describeModelDir, scanModelsDir } from "../models/scan-models.js";
import { flag, flags } from "./args.js";
import { saveBenchmark } from "./benchmark-file.js";
import type { CliContext } from "./cli-context.js";
import { EXIT } from "./exit-codes.js";
import { measureThroughput } from "./measure-throughput.js";

/**
 * `darkbloom benchmark [--model DIR]... [--prompt-tokens N] [--decode-tokens N]`: real prefill and
 * decode tokens/s per model, saved to `<home>/benchmarks.json` and sent in `Register.benchmarks`.
 */
export async function benchmarkCommand(ctx: CliContext): Promise<number> {
  const { out, paths, args } = ctx;
  const promptTokens = Number(flag(args, "prompt-tokens") ?? 256);
  const decodeTokens = Number(flag(args, "decode-tokens") ?? 64);
  const given = flags(args, "model");
  const dirs = given.length > 0 ? given : await scanModelsDir(paths.models);
  if (dirs.length === 0) {
    out.error(`no models: pass --model DIR or download one into ${paths.models}`);
    return EXIT.usage;
  }
  const rows = [];
  for (const dir of dirs) {
    const { id } = await describeModelDir(dir);
    const engine = await loadModel(dir, { modelId: id });
    const bar = out.progress(`benchmarking ${id}`);
    try {
      await measureThroughput(engine, { promptTokens: 16, decodeTokens: 4 }); // warm-up
      const t = await measureThroughput(engine, {
        promptTokens,
        decodeTokens,
        onToken: (n) => bar.update(n, decodeTokens, `${n}/${decodeTokens} tokens`),
      });
      bar.done();
      await saveBenchmark(paths, {
        modelId: id,
        prefillTokensPerSecond: t.prefillTokensPerSecond,
        decodeTokensPerSecond: t.decodeTokensPerSecond,
        measuredAtMs: Date.now(),
      });
      rows.push({ modelId: id, ...t });
    } finally {
      engine.close();
    }
  }
  out.result(
    { benchmarks: rows },
    [
      "| model | prompt tokens | prefill tok/s | generated tokens | decode tok/s |",
      "|---|---:|---:|---:|---:|",
      ...rows.map(
        (r) =>
          `| ${r.modelId} | ${r.promptTokens} | ${r.prefillTokensPerSecond.toFixed(0)} | ${r.completionTokens} | ${r.decodeTokensPerSecond.toFixed(1)} |`,
      ),
    ].join("\n"),
  );
  return EXIT.ok;
}
