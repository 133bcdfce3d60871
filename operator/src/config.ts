// The operator's settings, read once from the environment (docs/kubernetes.md lists them).
import { hostname } from "node:os";

export interface OperatorConfig {
  /** API server URL; unset = in-cluster config or $KUBECONFIG. */
  kubeServer: string | undefined;
  /** Namespace to watch; unset = all namespaces. */
  watchNamespace: string | undefined;
  leaseNamespace: string;
  leaseName: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  resyncMs: number;
  watchRestartDelayMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  logLevel: "info" | "warn";
  /**
   * Base URL of a Coordinator's API for admin calls, with {name}, {namespace} and {port}
   * placeholders; default its Service's in-cluster name. Set it when the operator runs outside the cluster.
   */
  coordinatorUrlTemplate: string;
}

function ms(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${name} must be a positive integer (milliseconds), got ${raw}`);
  return n;
}

export function loadOperatorConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const leaseDurationMs = ms(env, "DARKBLOOM_OPERATOR_LEASE_DURATION_MS", 15_000);
  const config: OperatorConfig = {
    kubeServer: env.DARKBLOOM_OPERATOR_KUBE_SERVER || undefined,
    watchNamespace: env.DARKBLOOM_OPERATOR_WATCH_NAMESPACE || undefined,
    leaseNamespace: env.DARKBLOOM_OPERATOR_LEASE_NAMESPACE || env.POD_NAMESPACE || "default",
    leaseName: env.DARKBLOOM_OPERATOR_LEASE_NAME || "darkbloom-operator",
    identity: env.POD_NAME || `${hostname()}-${process.pid}`,
    leaseDurationMs,
    renewDeadlineMs: ms(
      env,
      "DARKBLOOM_OPERATOR_RENEW_DEADLINE_MS",
      Math.floor((leaseDurationMs * 2) / 3),
    ),
    retryPeriodMs: ms(env, "DARKBLOOM_OPERATOR_RETRY_PERIOD_MS", Math.floor(leaseDurationMs / 5)),
    resyncMs: ms(env, "DARKBLOOM_OPERATOR_RESYNC_MS", 60_000),
    watchRestartDelayMs: ms(env, "DARKBLOOM_OPERATOR_WATCH_RESTART_DELAY_MS", 1_000),
    backoffBaseMs: ms(env, "DARKBLOOM_OPERATOR_BACKOFF_BASE_MS", 200),
    backoffMaxMs: ms(env, "DARKBLOOM_OPERATOR_BACKOFF_MAX_MS", 60_000),
    logLevel: env.LOG_LEVEL === "warn" ? "warn" : "info",
    coordinatorUrlTemplate:
      env.DARKBLOOM_OPERATOR_COORDINATOR_URL || "http://{name}.{namespace}.svc:{port}",
  };
  if (config.renewDeadlineMs >= config.leaseDurationMs)
    throw new Error(
      "DARKBLOOM_OPERATOR_RENEW_DEADLINE_MS must be below DARKBLOOM_OPERATOR_LEASE_DURATION_MS",
    );
  return Object.freeze(config);
}
