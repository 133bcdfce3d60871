// Per-segment latency profile (p50/p95/p99): npm run bench:profile [-- --label main --out a.json
// --fake 0 --concurrency 4 --requests 40 --max-tokens 16]; compare two: npm run bench:profile --
// --diff before.json after.json
import { benchArgs } from "../e2e/bench/bench-args.js";
import { diffProfiles, latencyProfile } from "../e2e/bench/latency-profile.js";

const args = benchArgs();
if (args.has("diff")) {
  const [before, after] = [args.str("diff"), args.positional[0]];
  if (!before || !after || before === "true")
    throw new Error("usage: --diff before.json after.json");
  process.stdout.write(await diffProfiles(before, after));
} else {
  const { markdown } = await latencyProfile({
    label: args.str("label") ?? "profile",
    fakeProviders: args.num("fake", 0),
    concurrency: args.num("concurrency", 4),
    requests: args.num("requests", 40),
    maxTokens: args.num("max-tokens", 16),
    outPath: args.str("out"),
  });
  process.stdout.write(markdown);
}
