// Added latency and throughput cost of the coordinator: npm run bench:overhead [-- --levels
// 1,16,64 --max-tokens 16 --min-requests 8]; add 256 to --levels for the full sweep (slow on 2 cores).
import { benchArgs } from "../e2e/bench/bench-args.js";
import { coordinatorOverhead } from "../e2e/bench/coordinator-overhead.js";

const args = benchArgs();
process.stdout.write(
  await coordinatorOverhead({
    concurrencies: (args.str("levels") ?? "1,16,64").split(",").map(Number),
    maxTokens: args.num("max-tokens", 16),
    minRequests: args.num("min-requests", 8),
  }),
);
