import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { COORDINATOR_LOADER, REPO_ROOT, spawnTs, type Spawned } from "./child-process.js";
import { ensureTestModel } from "./test-model.js";

export interface RunningCoordinator {
  url: string;
  /** The metrics listener (scrape `${metricsUrl}/metrics`); not the API port. */
  metricsUrl: string;
  apiKey: string;
  process: Spawned;
  stop(): Promise<void>;
}

export interface RunningProvider {
  process: Spawned;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export interface StartCoordinatorOptions {
  /**
   * Wait for the admin key line (default true). A coordinator joining a database that already has
   * an admin prints none: pass false, and `apiKey` is "".
   */
  expectAdminKey?: boolean;
  /**
   * `development` (default): the testbed's providers need no provider token or attestation.
   * `unset`: DARKBLOOM_SECURITY_MODE is not set, so the coordinator's own default applies.
   */
  securityMode?: "development" | "unset";
  /** How long to wait for the listening line (default 60 s; a loaded machine may need more). */
  listenTimeoutMs?: number;
  /** Run it as a shell runs a foreground job: leading its own process group (child-process.ts). */
  processGroup?: boolean;
}

/**
 * A coordinator process on a free port, with its own embedded Postgres in a temp folder unless
 * `env.DATABASE_URL` points at a shared one.
 */
export async function startCoordinator(
  env: Record<string, string> = {},
  options: StartCoordinatorOptions = {},
): Promise<RunningCoordinator> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "darkbloom-e2e-"));
  // Embedded Postgres runs as the `postgres` user when we are root; it must be able to enter.
  await chmod(dataDir, 0o755);
  const proc = spawnTs(
    path.join(REPO_ROOT, "services/coordinator/src/main.ts"),
    [],
    {
      DARKBLOOM_PORT: "0",
      DARKBLOOM_METRICS_PORT: "0",
      // The testbed's providers carry no provider token or attestation unless a spec asks for them.
      ...(options.securityMode === "unset" ? {} : { DARKBLOOM_SECURITY_MODE: "development" }),
      DARKBLOOM_DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      DARKBLOOM_HEARTBEAT_INTERVAL_MS: "500",
      // Credit leases (on by default) go back to the wallet soon after the last request, so a
      // spec's ledger audit (ledger-audit.ts: no open lease) need not wait the production 5 s.
      DARKBLOOM_CREDIT_LEASE_IDLE_MS: "300",
      ...env,
    },
    { processGroup: options.processGroup, loader: COORDINATOR_LOADER },
  );
  try {
    const [, url] = (await proc.waitFor(
      /listening on (http:\/\/\S+)/,
      options.listenTimeoutMs ?? 60_000,
    )) as unknown as [string, string];
    const [, metricsUrl] = (await proc.waitFor(
      /Metrics on (http:\/\/\S+)\/metrics/,
      10_000,
    )) as unknown as [string, string];
    const [, apiKey] =
      options.expectAdminKey === false
        ? ["", ""]
        : ((await proc.waitFor(/Admin API key[^:]*: (\S+)/, 10_000)) as unknown as [
            string,
            string,
          ]);
    return {
      url,
      metricsUrl,
      apiKey,
      process: proc,
      async stop() {
        await proc.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await proc.kill();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

export interface StartProviderOptions {
  /**
   * The provider's home folder (its keys): a restart with the same one is the same provider. The
   * caller owns and removes it; by default a temp folder removed on stop.
   */
  home?: string;
  /** Extra `darkbloom start` flags (e.g. `--unpinned`). */
  args?: string[];
  /** Extra environment (e.g. DARKBLOOM_IDLE_UNLOAD_MS). */
  env?: Record<string, string>;
}

/** A provider process serving the test model, connected to the coordinator. */
export async function startProvider(
  coordinatorUrl: string,
  options: StartProviderOptions = {},
): Promise<RunningProvider> {
  const modelDir = await ensureTestModel();
  const home = options.home ?? (await mkdtemp(path.join(tmpdir(), "darkbloom-provider-")));
  const proc = spawnTs(
    path.join(REPO_ROOT, "provider/src/cli/main.ts"),
    ["start", "--coordinator", coordinatorUrl, "--model", modelDir, ...(options.args ?? [])],
    {
      DARKBLOOM_HOME: home,
      LOG_LEVEL: "warn",
      ...options.env,
    },
  );
  const cleanup = async (): Promise<void> => {
    if (!options.home) await rm(home, { recursive: true, force: true });
  };
  try {
    await proc.waitFor(/provider serving/, 60_000);
  } catch (err) {
    await proc.kill();
    await cleanup();
    throw err;
  }
  return {
    process: proc,
    async stop() {
      await proc.stop();
      await cleanup();
    },
    async kill() {
      await proc.kill();
      await cleanup();
    },
  };
}

/** Polls /v1/models until the model is listed (the provider has registered). */
export async function waitForModel(
  url: string,
  apiKey: string,
  model: string,
  timeoutMs = 30_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const res = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } });
    const body = (await res.json()) as { data?: Array<{ id: string; available?: boolean }> };
    // A published model is listed before any provider serves it: wait until one does.
    if (body.data?.some((m) => m.id === model && m.available !== false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`model ${model} did not come online within ${timeoutMs} ms`);
}

/**
 * Polls the sealed-mode key list until a provider of the model is attested and routable, with its
 * signed evidence (a first good challenge answer) unless it is an unattested (`none`) provider.
 */
export async function waitForAttestedKey(
  url: string,
  apiKey: string,
  model: string,
  timeoutMs = 30_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const res = await fetch(`${url}/v1/sealed/provider-keys?model=${encodeURIComponent(model)}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const body = (await res.json()) as { data?: Array<{ trust_level: string; evidence: unknown }> };
    const ready = body.data?.some((k) => k.evidence || k.trust_level === "none") ?? false;
    if (res.ok && ready) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no attested key for ${model} within ${timeoutMs} ms`);
}
