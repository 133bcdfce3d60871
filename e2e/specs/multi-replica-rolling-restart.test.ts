import { expect } from "chai";
import type { FakeProvider } from "@darkbloom/testing";
import { startFakeFleet } from "../testbed/fake-fleet.js";
import { auditLedgerWhenSettled, CLEAN_LEDGER } from "../testbed/ledger-audit.js";
import { startLoadBalancer, type LoadBalancer } from "../testbed/load-balancer.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import {
  restartReplica,
  startReplicas,
  type Replicas,
  QUICK_DRAIN_ENV,
  BEHIND_LOAD_BALANCER_ENV,
  providersOn,
} from "../testbed/replicas.js";
import { waitUntil } from "../testbed/wait-until.js";
import { startSteadyLoad } from "../testbed/steady-load.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startProvider,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

/**
 * Three replicas on one Postgres behind HAProxy (health checks on /readyz). A real MLX provider
 * and a fake fleet connect through the load balancer (so they spread over the replicas and follow
 * GoAway to another one); steady streamed and whole requests flow through it. Each replica in turn
 * gets SIGTERM, drains, exits, starts again on its port and is taken back by HAProxy before the
 * next: not one request may fail, every answer is complete, the ledger balances, no hold is open.
 */
describe("multi-replica: rolling restart of every replica under load", function () {
  this.timeout(300_000);
  let net: Replicas | undefined;
  let lb: LoadBalancer | undefined;
  let real: RunningProvider | undefined;
  let fleet: FakeProvider[] = [];
  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    net = await startReplicas(3, {
      users: 4,
      env: {
        ...QUICK_DRAIN_ENV,
        LOG_LEVEL: "info",
        // fake providers send no heartbeats: only their answers keep them alive
        DARKBLOOM_PROVIDER_LIVENESS_TIMEOUT_MS: "600000",
        ...BEHIND_LOAD_BALANCER_ENV,
      },
    });
    lb = await startLoadBalancer(net.coordinators.map((c) => c.url));
  });
  after(async () => {
    await Promise.all(fleet.map((f) => f.close()));
    await real?.kill();
    await lb?.stop();
    await net?.stop();
  });
  after(() => leaks.assertNoneLeft());

  it("SIGTERM one replica at a time, restart it, next: zero failed requests, clean ledger", async () => {
    if (!net || !lb) throw new Error("the replicas did not start");
    const replicas = net;
    const balancer = lb;
    const connected = async (): Promise<number[]> =>
      Promise.all(replicas.coordinators.map(providersOn));
    real = await startProvider(balancer.url, { env: { LOG_LEVEL: "info" } });
    const pieces = Array.from({ length: 6 }, (_, i) => `p${i} `);
    fleet = await startFakeFleet(
      balancer.url,
      5,
      [TEST_MODEL_ID],
      () => ({ pieces, pieceDelayMs: 80 }),
      { followGoAway: true },
    );
    const total = 6;
    await waitUntil("the providers spread over the replicas", async () => {
      const counts = await connected();
      return counts.every((n) => n >= 1) && counts.reduce((a, b) => a + b, 0) === total;
    });

    const load = startSteadyLoad({
      url: balancer.url,
      users: replicas.users,
      model: TEST_MODEL_ID,
    });
    try {
      await load.progress(12);
      for (let i = 0; i < replicas.coordinators.length; i++) {
        const victim = replicas.coordinators[i] as RunningCoordinator;
        const name = balancer.names[i] ?? "";
        const exited = new Promise<number | null>((resolve) =>
          victim.process.child.once("exit", (code) => resolve(code)),
        );
        victim.process.child.kill("SIGTERM");
        // readiness takes it out of HAProxy while it still serves (the drain delay)
        await balancer.waitFor("DOWN", [name], 10_000);
        expect(await exited, `replica ${i} drained and exited 0`).to.equal(0);
        let counts: number[] = [];
        await waitUntil(`replica ${i}'s providers moved`, async () => {
          counts = await Promise.all(
            replicas.coordinators.filter((_, j) => j !== i).map(providersOn),
          );
          return counts.reduce((a, b) => a + b, 0) === total;
        }).catch((err: unknown) => {
          const moves = fleet.map((f) => `${f.providerId.slice(0, 8)}:${f.moves}`).join(",");
          const tail = real?.process.output().slice(-3000) ?? "";
          const logs = replicas.coordinators
            .map((c, j) =>
              c.process
                .output()
                .split("\n")
                .filter((l) => /provider|refus|claim|drain|presence|hook|failed/i.test(l))
                .slice(-25)
                .map((l) => `c${j}: ${l.slice(0, 300)}`)
                .join("\n"),
            )
            .join("\n");
          throw new Error(
            `${String(err)}: survivors hold ${counts.join("+")}, fake moves ${moves}\n${tail}\n${logs}`,
          );
        });
        await load.progress(6);
        await restartReplica(replicas, i);
        await balancer.waitFor("UP", [name], 20_000);
        await load.progress(6);
      }
      await load.progress(12);
    } finally {
      await load.stop();
    }
    expect(load.failures, load.failures.slice(0, 8).join("\n")).to.deep.equal([]);
    expect(load.completed.stream).to.be.greaterThan(10);
    expect(load.completed.whole).to.be.greaterThan(10);
    expect(
      fleet.reduce((n, f) => n + f.moves, 0),
      "fakes moved on GoAway",
    ).to.be.at.least(2);

    const audit = await auditLedgerWhenSettled(replicas.postgres.pool);
    expect(audit).to.deep.include(CLEAN_LEDGER);
    expect(audit.settlements.length).to.be.at.least(load.ok);
  });
});
