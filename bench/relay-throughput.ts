// Relay throughput of the coordinator vs a raw WebSocket echo: npm run bench:relay [-- --streams 4
// --chunks 2000 --bytes 64 --rounds 2 --warmup 0]. Loopback only; prints a markdown table.
import { benchArgs } from "../e2e/bench/bench-args.js";
import { relayThroughput } from "../e2e/bench/relay-throughput.js";

const args = benchArgs();
process.stdout.write(
  await relayThroughput({
    streams: args.num("streams", 4),
    chunksPerRequest: args.num("chunks", 2000),
    chunkBytes: args.num("bytes", 64),
    rounds: args.num("rounds", 2),
    warmupRounds: args.num("warmup", 0),
  }),
);
