import { randomBytes } from "node:crypto";
import { startCluster, type Cluster, type ClusterOptions } from "./cluster.js";

/** The secrets every replica of one network shares (DARKBLOOM_PEERS=true refuses to start without). */
export function peerEnv(): Record<string, string> {
  return {
    DARKBLOOM_PEERS: "true",
    DARKBLOOM_PEER_SECRET: randomBytes(24).toString("hex"),
    DARKBLOOM_PREFIX_HASH_SECRET: randomBytes(32).toString("base64"),
    DARKBLOOM_KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  };
}

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
