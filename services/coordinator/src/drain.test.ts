import { createLogger } from "@darkbloom/telemetry";
import { expect } from "chai";
import { runDrain } from "./drain.js";
import { HealthProbes } from "./health-probes.js";

describe("runDrain", () => {
  it("turns readiness 503 first, runs hooks, waits the delay, stops accepting, then sends GoAway", async () => {
    const probes = new HealthProbes();
    probes.ready();
    const steps: string[] = [];
    let inFlight = 2;
    const { closed } = await runDrain({
      probes,
      hooks: [
        {
          name: "presence",
          run: () => {
            steps.push(`hook:${probes.readiness}`);
            return Promise.resolve();
          },
        },
        { name: "broken", run: () => Promise.reject(new Error("boom")) },
      ],
      delayMs: 300,
      graceMs: 10_000,
      stopAccepting: () => {
        steps.push("stop accepting");
        return Promise.resolve();
      },
      goAway: () => void steps.push("goaway"),
      inFlight: () => inFlight,
      log: createLogger({ level: "error" }),
      sleep: (ms) => {
        steps.push(`sleep ${ms}`);
        if (steps.includes("goaway")) inFlight--;
        return Promise.resolve();
      },
    });
    await closed;
    expect(steps).to.deep.equal([
      "hook:draining",
      "sleep 300",
      "stop accepting",
      "goaway",
      "sleep 50",
      "sleep 50",
    ]);
    expect(probes.readiness).to.equal("draining");
  });

  it("with peers, sends GoAway before the delay (providers move while this replica still answers)", async () => {
    const probes = new HealthProbes();
    probes.ready();
    const steps: string[] = [];
    const { closed } = await runDrain({
      probes,
      hooks: [{ name: "presence", run: () => Promise.resolve(void steps.push("hook")) }],
      delayMs: 300,
      graceMs: 10_000,
      goAwayFirst: true,
      stopAccepting: () => Promise.resolve(void steps.push("stop accepting")),
      goAway: () => void steps.push("goaway"),
      inFlight: () => 0,
      log: createLogger({ level: "error" }),
      sleep: (ms) => Promise.resolve(void steps.push(`sleep ${ms}`)),
    });
    await closed;
    expect(steps).to.deep.equal(["hook", "goaway", "sleep 300", "stop accepting"]);
  });

  it("stops waiting for requests in flight at the grace period", async () => {
    const probes = new HealthProbes();
    let waits = 0;
    await runDrain({
      probes,
      hooks: [],
      delayMs: 0,
      graceMs: 120,
      stopAccepting: () => Promise.resolve(),
      goAway: () => undefined,
      inFlight: () => 1,
      log: createLogger({ level: "error" }),
      sleep: (ms) => {
        waits++;
        return new Promise((r) => setTimeout(r, ms));
      },
    });
    expect(waits).to.be.within(1, 4);
  });
});
