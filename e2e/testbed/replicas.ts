import { randomBytes } from "node:crypto";
import { startCluster, type Cluster, type ClusterOptions } from "./cluster.js";
import { startCoordinator, type RunningCoordinator } from "./testbed.js";

/** The secrets every replica of one network shares (DARKBLOOM_PEERS=true refuses to start without). */
export function peerEnv(): Record<string, string> {
  return {
    DARKBLOOM_PEERS: "true",
    DARKBLOOM_PEER_SECRET: randomBytes(24).toString("hex"),
    DARKBLOOM_PREFIX_HASH_SECRET: randomBytes(32).toString("base64"),
    DARKBLOOM_KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  };
}

/** Providers a coordinator holds on its own sockets (read from its metrics listener). */
export async function providersOn(c: RunningCoordinator): Promise<number> {
  const text = await (await fetch(`${c.metricsUrl}/metrics`)).text();
  return Number(/^darkbloom_providers_connected (\d+)/m.exec(text)?.[1] ?? "0");
}

/** Behind HAProxy every client connection comes from its one address: no per-address cap. */
export const BEHIND_LOAD_BALANCER_ENV: Record<string, string> = {
  DARKBLOOM_MAX_UNAUTHENTICATED_CONNECTIONS_PER_ADDRESS: "0",
};

/**
 * A drain short enough for a test: out of the load balancer's rotation for 1.5 s, providers told
 * to move within 0.5 s, streams given 20 s to finish.
 */
export const QUICK_DRAIN_ENV: Record<string, string> = {
  DARKBLOOM_DRAIN_DELAY_MS: "1500",
  DARKBLOOM_GOAWAY_RECONNECT_DELAY_MS: "100",
  DARKBLOOM_GOAWAY_JITTER_MS: "400",
  DARKBLOOM_SHUTDOWN_GRACE_MS: "20000",
};

export interface Replicas extends Cluster {
  /** The environment the replicas share (its DARKBLOOM_PEER_SECRET authenticates peer calls). */
  env: Record<string, string>;
}

/**
 * N coordinator processes on one Postgres running as one network (presence + forwarding): the
 * cluster testbed with the peer settings. Address replicas directly (coordinators[i].url).
 */
export async function startReplicas(
  count: number,
  options: Omit<ClusterOptions, "coordinators"> = {},
): Promise<Replicas> {
  const env = { ...peerEnv(), ...options.env };
  const cluster = await startCluster({ ...options, coordinators: count, env });
  return Object.assign(cluster, { env });
}

/**
 * Starts replica `i` again on the port it had (the load balancer's backend address), after its
 * process exited (SIGTERM drained it, or kill -9). Replaces it in `replicas.coordinators`, so the
 * cluster's teardown stops the new process.
 */
export async function restartReplica(replicas: Replicas, i: number): Promise<RunningCoordinator> {
  const old = replicas.coordinators[i];
  if (!old) throw new Error(`no replica ${i}`);
  await old.stop();
  const port = new URL(old.url).port;
  const next = await startCoordinator(
    { DATABASE_URL: replicas.postgres.url, ...replicas.env, DARKBLOOM_PORT: port },
    // a rolling restart happens under load: the new process may be slow to come up
    { expectAdminKey: false, listenTimeoutMs: 180_000 },
  );
  replicas.coordinators[i] = next;
  return next;
}
