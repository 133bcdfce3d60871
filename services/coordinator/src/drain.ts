import type { Logger } from "@darkbloom/telemetry";
import type { HealthProbes } from "./health-probes.js";

/** One step a component takes when the replica starts draining (e.g. presence: leave now). */
export interface DrainHook {
  name: string;
  run(): Promise<void>;
}

export interface DrainSteps {
  probes: HealthProbes;
  hooks: readonly DrainHook[];
  /** How long readiness is 503 while still serving, so the load balancer stops sending first. */
  delayMs: number;
  /** Requests in flight get this long (from the start of the drain) to finish. */
  graceMs: number;
  /** Closes the listener; resolves when every connection closed (or was cut at the grace). */
  stopAccepting(): Promise<void>;
  /** Tells every provider to move (GoAway); they take no new request here from now on. */
  goAway(): void;
  /**
   * GoAway before the delay (replicas as one network: requests arriving meanwhile are served by
   * providers on other replicas) rather than after it (a lone coordinator serves them itself).
   */
  goAwayFirst?: boolean;
  /** Consumer requests and provider requests still running. */
  inFlight(): number;
  log: Logger;
  sleep?: (ms: number) => Promise<void>;
}

const HOOK_TIMEOUT_MS = 5_000;

/**
 * The drain order on SIGTERM. Returns the listener's close in an object (not awaited here: it
 * ends when provider sockets close, which the caller does next).
 * 1. readiness turns 503 at once (load balancers and Kubernetes stop sending new work);
 * 2. drain hooks run (each bounded to 5 s; a failing hook is logged, not fatal);
 * 3. with `goAwayFirst` (peers), GoAway to providers now: they are chosen for nothing new here,
 *    reconnect through the same URL (another replica) with jitter and finish what they hold here
 *    on the old socket, so they serve through the other replicas while this one still answers;
 * 4. `delayMs` of serving on while the load balancer notices (requests arriving meanwhile, and
 *    those queued here, go to providers on other replicas through presence);
 * 5. the listener closes: no new connection, and kept-alive connections take no new request;
 *    without `goAwayFirst`, GoAway goes out now (a lone coordinator served until here);
 * 6. requests in flight finish, up to `graceMs` from the start.
 */
export async function runDrain(steps: DrainSteps): Promise<{ closed: Promise<void> }> {
  const sleep = steps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const until = Date.now() + steps.graceMs;
  steps.probes.drain();
  steps.log.info("draining", {
    hooks: steps.hooks.map((h) => h.name).join(","),
    delayMs: steps.delayMs,
  });
  await Promise.all(
    steps.hooks.map(async (hook) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), HOOK_TIMEOUT_MS);
      });
      try {
        await Promise.race([hook.run(), timeout]);
      } catch (err) {
        steps.log.warn("drain hook failed", { hook: hook.name, error: String(err) });
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  if (steps.goAwayFirst) steps.goAway();
  if (steps.delayMs > 0) await sleep(Math.min(steps.delayMs, Math.max(0, until - Date.now())));
  const closed = steps.stopAccepting();
  if (!steps.goAwayFirst) steps.goAway();
  while (steps.inFlight() > 0 && Date.now() < until) await sleep(50);
  return { closed };
}
