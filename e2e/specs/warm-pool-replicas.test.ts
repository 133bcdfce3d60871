import { expect } from "chai";
import { FakeProvider } from "@darkbloom/testing";
import { routingAdminClient } from "../testbed/admin-client.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { processLeakCheck } from "../testbed/process-audit.js";
import { startCoordinator, type RunningCoordinator } from "../testbed/testbed.js";

const MODEL = "warm-pool-model";
const GiB = 1024 ** 3;

async function isController(c: RunningCoordinator): Promise<boolean> {
  const text = await (await fetch(`${c.metricsUrl}/metrics`)).text();
  return /^darkbloom_warm_pool_controller 1$/m.test(text);
}

async function until<T>(
  what: string,
  f: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve()
      .then(f)
      .catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The warm-pool policy lives in Postgres and one replica (the advisory-lock lease holder) runs the
 * controller: set through one replica, it survives a restart of every replica, and a kill -9 of
 * the controller's replica hands the controller to the survivor.
 */
describe("warm pool across replicas", function () {
  this.timeout(240_000);
  let cluster: Cluster | undefined;
  const extra: RunningCoordinator[] = [];
  const fakes: FakeProvider[] = [];
  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    cluster = await startCluster({ coordinators: 2 });
  });
  after(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    for (const c of extra) await c.stop();
    await cluster?.stop();
  });
  after(() => leaks.assertNoneLeft());

  /** One fake provider per coordinator, with the model on disk and loads that succeed. */
  const attach = async (coordinators: RunningCoordinator[]): Promise<FakeProvider[]> =>
    Promise.all(
      coordinators.map(async (c) => {
        const f = new FakeProvider({
          url: providerSocketUrl(c.url),
          models: [MODEL],
          memoryGb: 64,
          modelSizeBytes: BigInt(4 * GiB),
          loadModel: () => "loaded",
        });
        fakes.push(f);
        await f.connect();
        return f;
      }),
    );
  const loads = (f: FakeProvider): number =>
    f.received.filter((x) => x.kind.case === "loadModel").length;
  const controllerOf = (coordinators: RunningCoordinator[]) =>
    until("one replica runs the controller", async () => {
      const flags = await Promise.all(coordinators.map(isController));
      return flags.filter(Boolean).length === 1 ? flags.indexOf(true) : undefined;
    });

  it("set through one replica, enforced after every replica restarted; kill -9 hands it over", async () => {
    if (!cluster) throw new Error("the cluster did not start");
    const env = { DATABASE_URL: cluster.postgres.url };
    const adminKey = cluster.adminKey;
    let coordinators = cluster.coordinators;
    let providers = await attach(coordinators);
    const first = await controllerOf(coordinators);
    // set through the replica that does NOT run the controller
    const other = coordinators[1 - first] as RunningCoordinator;
    await routingAdminClient(other.url, adminKey).setWarmPoolPolicy({
      targets: [{ model: MODEL, minWarmProviders: 1, maxWarmProviders: 1 }],
    });
    await until("the controller loads the model", () =>
      loads(providers[first] as FakeProvider) === 1 ? true : undefined,
    );
    // GetWarmPoolStatus answers on either replica
    for (const c of coordinators) {
      const status = await until("status on every replica", async () => {
        const s = (await routingAdminClient(c.url, adminKey).getWarmPoolStatus({})).models[0];
        return s?.warm === 1 ? s : undefined;
      });
      expect(status).to.include({ model: MODEL, target: 1, warm: 1 });
    }
    expect(loads(providers[1 - first] as FakeProvider), "never above max").to.equal(0);

    // restart every replica (and its providers): the policy is still enforced
    await Promise.all(providers.map((p) => p.close()));
    await Promise.all(coordinators.map((c) => c.stop()));
    coordinators = [];
    for (let i = 0; i < 2; i++) {
      const c = await startCoordinator(env, { expectAdminKey: false });
      extra.push(c);
      coordinators.push(c);
    }
    providers = await attach(coordinators);
    const leader = await controllerOf(coordinators);
    await until("the policy is enforced after the restart", () =>
      loads(providers[leader] as FakeProvider) === 1 ? true : undefined,
    );
    expect(loads(providers[1 - leader] as FakeProvider)).to.equal(0);

    // kill -9 the controller's replica: the survivor takes the lease and warms its provider
    const victim = coordinators[leader] as RunningCoordinator;
    const survivor = coordinators[1 - leader] as RunningCoordinator;
    const killedAt = Date.now();
    await victim.process.kill();
    await until("the survivor takes the controller over", async () =>
      (await isController(survivor)) ? true : undefined,
    );
    await until("the survivor's provider is warmed", () =>
      loads(providers[1 - leader] as FakeProvider) === 1 ? true : undefined,
    );
    expect(Date.now() - killedAt, "taken over within a few seconds").to.be.below(10_000);
    // the new controller's status replaces the dead one's (written within its 1 s interval)
    const want = providers[1 - leader]?.providerId;
    await until("the survivor reports its provider warm", async () => {
      const s = (await routingAdminClient(survivor.url, adminKey).getWarmPoolStatus({})).models[0];
      return s?.warmProviderIds.length === 1 && s.warmProviderIds[0] === want ? true : undefined;
    });
  });
});
