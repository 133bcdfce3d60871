// Added time to first token of a forwarded request vs a local one, and presence propagation delay:
// npm run bench:forwarding [-- --levels 1,16,64 --min-requests 40 --rounds 6 --heartbeats 50
// --lease 10000000 --pace <ms> --cpu-prof <dir>]. --pace: the fake providers send the first token
// at once and alone, the next ones every <ms> (default: the whole answer at once). --lease <micro-USD>: both replicas hold against credit
// leases of that size (docs/money.md), so the per-request money path does not dominate the CPU
// figures; --cpu-prof writes <dir>/<pid>.cpuprofile for each replica (the report names A's and
// B's pid; open them in Chrome DevTools or any .cpuprofile viewer). --heartbeats 0
// skips the propagation part. Local and forwarded requests alternate (two models: one served
// only on A, one only on B): --rounds interleaved batches per level, at one stream
// rounds × min-requests single-request pairs; "added" is the median of the paired differences.
import { benchArgs } from "../e2e/bench/bench-args.js";
import { forwardingBench } from "../e2e/bench/forwarding.js";

const args = benchArgs();
const profDir = args.str("cpu-prof");
const lease = args.str("lease");
process.stdout.write(
  await forwardingBench({
    concurrencies: (args.str("levels") ?? "1,16,64").split(",").map(Number),
    minRequests: args.num("min-requests", 40),
    rounds: args.num("rounds", 6),
    heartbeats: args.num("heartbeats", 50),
    paceMs: args.num("pace", 0),
    replicaEnv: {
      ...(profDir
        ? {
            NODE_OPTIONS: `--import=${new URL("../e2e/bench/cpu-profile-preload.mjs", import.meta.url).pathname}`,
            DARKBLOOM_BENCH_CPU_PROF_DIR: profDir,
          }
        : {}),
      ...(lease ? { DARKBLOOM_CREDIT_LEASE_MICRO_USD: lease } : {}),
    },
  }),
);
