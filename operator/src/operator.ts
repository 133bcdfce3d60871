// The operator process's life: campaign for the Lease; while leading, run the controller; on
// losing the lease, stop the controller and exit (a fresh process campaigns again).
import type { OperatorConfig } from "./config.js";
import { Controller, type ControllerOptions } from "./controller.js";
import { EventRecorder } from "./events.js";
import { KubeClient, loadKubeConfig } from "./kube/index.js";
import { LeaderElector } from "./leader-election.js";

export const FIELD_MANAGER = "darkbloom-operator";

export interface OperatorHooks {
  log: ControllerOptions["log"];
  onLostLease: () => void;
  coordinatorUrl?: ControllerOptions["coordinatorUrl"];
}

export class Operator {
  private readonly elector: LeaderElector;
  private controller: Controller | undefined;
  private starting: Promise<void> | undefined;

  constructor(config: OperatorConfig, hooks: OperatorHooks) {
    const client = new KubeClient(loadKubeConfig(config.kubeServer), FIELD_MANAGER);
    const events = new EventRecorder(client, FIELD_MANAGER, (err) =>
      hooks.log("warn", "event not recorded", { error: String(err) }),
    );
    this.elector = new LeaderElector(client, {
      namespace: config.leaseNamespace,
      name: config.leaseName,
      identity: config.identity,
      leaseDurationMs: config.leaseDurationMs,
      renewDeadlineMs: config.renewDeadlineMs,
      retryPeriodMs: config.retryPeriodMs,
      onStartedLeading: () => {
        hooks.log("info", "leading", { identity: config.identity });
        this.controller = new Controller({
          client,
          events,
          ...(config.watchNamespace ? { namespace: config.watchNamespace } : {}),
          resyncMs: config.resyncMs,
          restartDelayMs: config.watchRestartDelayMs,
          backoffBaseMs: config.backoffBaseMs,
          backoffMaxMs: config.backoffMaxMs,
          log: hooks.log,
          coordinatorUrl:
            hooks.coordinatorUrl ??
            ((c) =>
              config.coordinatorUrlTemplate
                .replaceAll("{name}", c.name)
                .replaceAll("{namespace}", c.namespace)
                .replaceAll("{port}", String(c.port))),
        });
        this.starting = this.controller
          .start()
          .catch((err: unknown) =>
            hooks.log("warn", "controller failed to start", { error: String(err) }),
          );
      },
      onStoppedLeading: () => {
        hooks.log("warn", "lost the lease", { identity: config.identity });
        hooks.onLostLease();
      },
      onError: (err) =>
        hooks.log("warn", "lease renewal failed", {
          error: String((err as Error)?.message ?? err),
        }),
    });
  }

  start(): void {
    this.elector.start();
  }

  async stop(): Promise<void> {
    await this.starting;
    await this.controller?.stop();
    await this.elector.stop();
  }
}
