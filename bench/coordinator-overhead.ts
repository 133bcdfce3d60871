// Coordinator-added latency, req/s per coordinator core and relay efficiency, against a direct
// baseline in the same run: npm run bench:overhead [-- --levels 1,16,64,256 --tokens 16
// --requests 200 --seconds 20 --providers 4 --no-relay --cpu-prof <dir>]. Instant fake providers
// (real protocol, real sockets, real coordinator with Postgres). The older comparison against a
// real engine (`darkbloom local` with the test model): add --engine [--levels 1,16,64].
// --lease <micro-USD>: the coordinator holds against credit leases of that size (docs/money.md).
// --pace <ms>: the fakes send a token every <ms> (both paths), so N streams are N answers in
// progress at once rather than a closed loop of instant answers (which measures capacity).
// --floor: also through a bare Node.js proxy process in front of the direct upstream (what any
// Node gateway adds on this machine before doing any work of its own).
// --pin: the coordinator on CPUs of its own, the client, fake providers and Postgres on CPU 0
// (sharing cores, its CPU per request includes what the crowding costs it).
import { benchArgs } from "../e2e/bench/bench-args.js";
import { coordinatorOverhead } from "../e2e/bench/coordinator-overhead.js";
import { fakeOverhead } from "../e2e/bench/fake-overhead.js";

const args = benchArgs();
if (args.has("engine")) {
  process.stdout.write(
    await coordinatorOverhead({
      concurrencies: (args.str("levels") ?? "1,16,64").split(",").map(Number),
      maxTokens: args.num("tokens", 16),
      minRequests: args.num("requests", 8),
    }),
  );
} else {
  const profDir = args.str("cpu-prof");
  const lease = args.str("lease");
  process.stdout.write(
    await fakeOverhead({
      levels: (args.str("levels") ?? "1,16,64,256").split(",").map(Number),
      tokens: args.num("tokens", 16),
      paceMs: args.num("pace", 0),
      minRequests: args.num("requests", 200),
      seconds: args.num("seconds", 20),
      providers: args.num("providers", 4),
      floor: args.has("floor"),
      pin: args.has("pin"),
      relay: args.has("no-relay")
        ? undefined
        : { streams: 4, chunksPerRequest: 2000, chunkBytes: 64, rounds: 2 },
      coordinatorEnv: {
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
}
