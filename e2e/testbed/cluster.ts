import type { FakeProvider } from "@darkbloom/testing";
import { startFakeFleet } from "./fake-fleet.js";
import { startSharedPostgres, type SharedPostgres } from "./shared-postgres.js";
import { TEST_MODEL_ID } from "./test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "./testbed.js";
import { createUserPool, type TestUser } from "./user-pool.js";

export interface ClusterOptions {
  /** Coordinator processes sharing one Postgres (default 1). */
  coordinators?: number;
  /** Real provider processes (test model) on the first coordinator (default 0). */
  providers?: number;
  /** Fake providers in this process, per coordinator (default 0). */
  fakeProvidersPerCoordinator?: number;
  /** Models the fake providers serve (default: the test model id). */
  fakeModels?: readonly string[];
  /** Funded consumer accounts (default 0). */
  users?: number;
  creditMicroUsd?: bigint;
  /** Extra coordinator environment. */
  env?: Record<string, string>;
}

export interface Cluster {
  postgres: SharedPostgres;
  coordinators: RunningCoordinator[];
  providers: RunningProvider[];
  fakes: FakeProvider[][];
  adminKey: string;
  users: TestUser[];
  /** Tears everything down in reverse order; never throws before every part was stopped. */
  stop(): Promise<void>;
}

/**
 * Shared embedded Postgres → coordinators (the first creates the admin key) → providers → users.
 * If any step fails, what was started is stopped before the error is rethrown.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const postgres = await startSharedPostgres();
  const cluster: Cluster = {
    postgres,
    coordinators: [],
    providers: [],
    fakes: [],
    adminKey: "",
    users: [],
    stop: () => stopCluster(cluster),
  };
  try {
    const env = { DATABASE_URL: postgres.url, ...options.env };
    for (let i = 0; i < (options.coordinators ?? 1); i++) {
      const c = await startCoordinator(env, { expectAdminKey: i === 0 });
      cluster.coordinators.push(c);
      if (i === 0) cluster.adminKey = c.apiKey;
    }
    const first = cluster.coordinators[0];
    if (!first) throw new Error("a cluster needs at least one coordinator");
    for (let i = 0; i < (options.providers ?? 0); i++) {
      cluster.providers.push(await startProvider(first.url));
    }
    if (cluster.providers.length > 0)
      await waitForModel(first.url, cluster.adminKey, TEST_MODEL_ID);
    for (const c of cluster.coordinators) {
      const fakes = options.fakeProvidersPerCoordinator ?? 0;
      cluster.fakes.push(
        fakes > 0 ? await startFakeFleet(c.url, fakes, options.fakeModels ?? [TEST_MODEL_ID]) : [],
      );
    }
    if ((options.users ?? 0) > 0) {
      cluster.users = await createUserPool(postgres.pool, first.url, cluster.adminKey, {
        users: options.users ?? 0,
        creditMicroUsd: options.creditMicroUsd ?? 10_000_000n,
      });
    }
    return cluster;
  } catch (err) {
    await stopCluster(cluster);
    throw err;
  }
}

async function stopCluster(c: Cluster): Promise<void> {
  const errors: unknown[] = [];
  const attempt = async (f: () => Promise<void>): Promise<void> => {
    await f().catch((e: unknown) => void errors.push(e));
  };
  await Promise.all(c.fakes.flat().map((f) => attempt(() => f.close())));
  await Promise.all(c.providers.map((p) => attempt(() => p.kill())));
  await Promise.all(c.coordinators.map((co) => attempt(() => co.stop())));
  await attempt(() => c.postgres.stop());
  c.fakes = [];
  c.providers = [];
  c.coordinators = [];
  if (errors.length > 0) throw new AggregateError(errors, "cluster teardown failed");
}
