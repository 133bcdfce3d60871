// The longest the provider's event loop is blocked (perf_hooks monitorEventLoopDelay) while a
// long prompt is prefilled at real size (Qwen2.5-0.5B's config, 4-bit), with the engine on the
// daemon's thread (MlxEngine, whole prompt in one step: what the daemon ran before) and on its own
// thread (WorkerEngine, what `start` runs). While the loop is blocked no heartbeat, cancel, GoAway
// or ping is handled. Usage: npm run bench:event-loop -- [promptWords=8]
import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema } from "@darkbloom/proto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { WorkerEngine } from "../provider/src/engine-thread/worker-engine.js";
import { loadModel, type ModelEngine } from "../provider/src/engine/index.js";
import { realSizeModelDir } from "../provider/test-model/real-size.js";

const words = Number(process.argv[2] ?? 8);
const dir = realSizeModelDir("qwen2.5-0.5b", "q4");
const body = create(InferenceBodySchema, {
  input: {
    case: "prompt",
    value: "The quick brown fox jumps over the lazy dog "
      .repeat(words / 9 + 1)
      .split(" ")
      .slice(0, words)
      .join(" "),
  },
  sampling: { maxTokens: 1, temperature: 0 },
});

async function blocked(name: string, engine: ModelEngine): Promise<void> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  // The monitor records the gap between its timer's runs: start it before the prefill.
  await new Promise((r) => setTimeout(r, 100));
  const start = performance.now();
  const r = await engine.generate(body, () => undefined, new AbortController().signal);
  const seconds = (performance.now() - start) / 1000;
  // A block is recorded when the monitor's timer next runs: let it run once more.
  await new Promise((r) => setTimeout(r, 50));
  h.disable();
  console.log(
    `| ${name} | ${r.promptTokens} | ${seconds.toFixed(1)} | ${(h.max / 1e6).toFixed(0)} | ${(h.percentile(99) / 1e6).toFixed(0)} |`,
  );
}

console.log("| engine | prompt tokens | prefill + 1 token s | max event-loop block ms | p99 ms |");
console.log("|---|---:|---:|---:|---:|");
const inThread = await loadModel(dir, { prefillTokensPerStep: 4096 });
await blocked("MlxEngine on the daemon's thread (before)", inThread);
inThread.close();
const threaded = await WorkerEngine.load(dir, {});
await blocked("WorkerEngine (after)", threaded);
threaded.close();
await threaded.exited;
