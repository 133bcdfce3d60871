// `npm run sim -- --trace FILE --fleet FILE [--policy NAME|all] [--seed N]`
import { parseArgs } from "node:util";
import { loadFleet } from "./fleet.js";
import { markdownTable, summarize } from "./report.js";
import { DEFAULT_SIM_OPTIONS, simulate } from "./simulate.js";
import { loadTrace } from "./trace.js";

export const SIM_POLICIES = [
  "random",
  "round-robin",
  "least-loaded",
  "ours",
  "ours-without-prefix-affinity",
];

const { values } = parseArgs({
  options: {
    trace: { type: "string" },
    fleet: { type: "string" },
    policy: { type: "string", default: "all" },
    seed: { type: "string", default: "1" },
  },
});
if (!values.trace || !values.fleet) {
  process.stderr.write(
    "usage: npm run sim -- --trace FILE --fleet FILE [--policy NAME|all] [--seed N]\n",
  );
  process.exitCode = 2;
} else {
  const trace = loadTrace(values.trace);
  const fleet = loadFleet(values.fleet);
  const policies = values.policy === "all" ? SIM_POLICIES : [values.policy ?? "ours"];
  const rows = policies.map((policy) =>
    summarize(
      simulate(trace, fleet, { ...DEFAULT_SIM_OPTIONS, policy, seed: Number(values.seed) }),
    ),
  );
  process.stdout.write(
    `${values.trace} (${trace.length} requests) on ${values.fleet}\n\n${markdownTable(rows)}\n`,
  );
}
