// Added time to first token of a forwarded request vs a local one, and presence propagation delay:
// npm run bench:forwarding [-- --levels 1,16,64 --answers paced,instant --min-requests 40
// --rounds 6 --warmup 1000 --heartbeats 50 --lease 10000000 --pace 2 --load-pace 50 --load-tokens 16
// --cpu-prof <dir>]. Each level gets a row per way the fake providers answer (--answers):
// "paced": the first token at once and alone, the next every --pace ms at one stream; at more
// streams answers of --load-tokens tokens every --load-pace ms with the streams' arrivals spread,
// so N streams are N answers in progress; "instant": the whole answer in one write, requests back
// to back (at N streams, N requests queued for the CPU at once). --lease <micro-USD>: both
// replicas hold against credit leases of that size (docs/money.md), so the per-request money path
// does not dominate the CPU figures; --cpu-prof writes <dir>/<pid>.cpuprofile for each replica
// (the report names A's and B's pid; open them in Chrome DevTools or any .cpuprofile viewer).
// --warmup: unmeasured requests per path first (V8 optimizes the paths only after many).
// --heartbeats 0 skips the propagation part. Local and forwarded requests alternate (two models:
// one served only on A, one only on B): --rounds interleaved batches per row, at one stream
// rounds × min-requests single-request pairs; "added" is the median of the paired differences.
import { benchArgs } from "../e2e/bench/bench-args.js";
import { type AnswerKind, forwardingBench } from "../e2e/bench/forwarding.js";

const args = benchArgs();
const profDir = args.str("cpu-prof");
const lease = args.str("lease");
const answers = (args.str("answers") ?? "paced,instant").split(",");
for (const a of answers)
  if (a !== "paced" && a !== "instant")
    throw new Error(`--answers takes paced and/or instant, got ${a}`);
process.stdout.write(
  await forwardingBench({
    concurrencies: (args.str("levels") ?? "1,16,64").split(",").map(Number),
    answers: answers as AnswerKind[],
    minRequests: args.num("min-requests", 40),
    rounds: args.num("rounds", 6),
    warmupRequests: args.num("warmup", 1000),
    heartbeats: args.num("heartbeats", 50),
    paceMs: args.num("pace", 2),
    loadPaceMs: args.num("load-pace", 50),
    loadTokens: args.num("load-tokens", 16),
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
