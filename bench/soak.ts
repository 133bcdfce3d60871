// Soak: npm run soak -- --seconds 60 [--windows 6 --rate 10 --real 0 --max-tokens 16]. Prints a
// markdown table of p99, memory and handles per window and their drift (flat is the pass).
import { benchArgs } from "../e2e/bench/bench-args.js";
import { soak } from "../e2e/load/soak.js";

const args = benchArgs();
process.stdout.write(
  await soak({
    seconds: args.num("seconds", 60),
    windows: args.num("windows", 6),
    ratePerSecond: args.num("rate", 10),
    realProviders: args.num("real", 0),
    maxTokens: args.num("max-tokens", 16),
  }),
);
