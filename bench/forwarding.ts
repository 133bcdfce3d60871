// Added time to first token of a forwarded request vs a local one, and presence propagation delay:
// npm run bench:forwarding [-- --levels 1,16,64 --min-requests 40 --heartbeats 50]
import { benchArgs } from "../e2e/bench/bench-args.js";
import { forwardingBench } from "../e2e/bench/forwarding.js";

const args = benchArgs();
process.stdout.write(
  await forwardingBench({
    concurrencies: (args.str("levels") ?? "1,16,64").split(",").map(Number),
    minRequests: args.num("min-requests", 40),
    heartbeats: args.num("heartbeats", 50),
  }),
);
