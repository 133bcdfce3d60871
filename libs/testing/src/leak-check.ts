// Mocha root hook plugin: after all tests, fail the run if sockets, servers, timers or child
// processes are still open. Registered from .mocharc.json (`require`); mocha's --exit is never used.
import type { Context } from "mocha";

/** Resource kinds (from process.getActiveResourcesInfo) that a finished test run must not hold. */
const WATCHED = ["TCPServerWrap", "TCPSocketWrap", "Timeout", "ProcessWrap", "PipeWrap"] as const;
type Watched = (typeof WATCHED)[number];

/** How long open resources get to close on their own before the run fails. */
const GRACE_MS = 2_000;
const POLL_MS = 50;
/** After a failed check, leaked handles would keep the process alive forever: exit after this. */
const FORCED_EXIT_MS = 1_000;

function isWatched(kind: string): kind is Watched {
  return (WATCHED as readonly string[]).includes(kind);
}

function countWatched(): Map<Watched, number> {
  const counts = new Map<Watched, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (isWatched(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

// stdio handles are created lazily on first use; create them now so they are part of the baseline.
void process.stdout;
void process.stderr;

/** Resources held before any test ran (stdio pipes, the test runner's own). */
const baseline = countWatched();

/** Watched resources open now beyond the baseline (and `ownTimeouts` of the caller), by kind. */
export function leakedResources(ownTimeouts = 0): Map<Watched, number> {
  const leaked = new Map<Watched, number>();
  for (const [kind, n] of countWatched()) {
    const own = kind === "Timeout" ? ownTimeouts : 0;
    const extra = n - own - (baseline.get(kind) ?? 0);
    if (extra > 0) leaked.set(kind, extra);
  }
  return leaked;
}

/** Resolves one event-loop turn after the timer fired, when that timer no longer counts as active. */
const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(() => setImmediate(resolve), ms));

/** Best-effort detail for a failure message: server addresses, socket peers, child commands. */
function describeHandles(): string[] {
  const getHandles = (process as unknown as { _getActiveHandles?: () => unknown[] })
    ._getActiveHandles;
  if (typeof getHandles !== "function") return [];
  const lines: string[] = [];
  for (const handle of getHandles.call(process)) {
    if (typeof handle !== "object" || handle === null) continue;
    const h = handle as {
      constructor?: { name?: string };
      address?: () => unknown;
      remoteAddress?: string;
      remotePort?: number;
      localPort?: number;
      spawnargs?: string[];
      pid?: number;
      fd?: number;
    };
    const kind = h.constructor?.name ?? "handle";
    if (typeof h.fd === "number" && h.fd >= 0 && h.fd <= 2) continue; // stdio
    if (Array.isArray(h.spawnargs)) {
      lines.push(`${kind} pid=${String(h.pid)} ${h.spawnargs.join(" ")}`);
    } else if (h.remoteAddress !== undefined) {
      lines.push(`${kind} ${String(h.localPort)} -> ${h.remoteAddress}:${String(h.remotePort)}`);
    } else if (typeof h.address === "function") {
      lines.push(`${kind} listening on ${JSON.stringify(h.address())}`);
    }
  }
  return lines;
}

function formatLeak(leaked: Map<Watched, number>): string {
  const kinds = [...leaked].map(([kind, n]) => `${kind} x${n}`).join(", ");
  const detail = describeHandles().map((line) => `\n  - ${line}`);
  return (
    `leak check: resources still open ${GRACE_MS} ms after the last test: ${kinds}` +
    detail.join("") +
    "\nEvery owner of a socket, timer or child process needs close() called by its test (STYLE 10)."
  );
}

/**
 * Waits up to GRACE_MS for leaked resources to close; returns what is still open.
 * `ownTimeouts` counts the checker's own live timers (mocha's timer for the running hook).
 */
async function settle(ownTimeouts: () => number): Promise<Map<Watched, number>> {
  const deadline = Date.now() + GRACE_MS;
  let leaked = leakedResources(ownTimeouts());
  while (leaked.size > 0 && Date.now() < deadline) {
    await sleep(POLL_MS); // measured after the sleep timer fired, so it is never counted
    leaked = leakedResources(ownTimeouts());
  }
  return leaked;
}

/** Mocha arms a timer for a promise-returning hook (even with timeout 0); it is not a leak. */
function hookTimers(ctx: Context): number {
  const timer = (ctx.runnable() as { timer?: NodeJS.Timeout }).timer;
  return timer !== undefined && timer.hasRef() ? 1 : 0;
}

async function leakCheck(this: Context): Promise<void> {
  // No hook timeout: the default 2 s would cut the grace period short; settle() is bounded anyway.
  this.timeout(0);
  const leaked = await settle(() => hookTimers(this));
  if (leaked.size === 0) return;
  // Without --exit the leaked handles would keep mocha alive after it reports; end it instead.
  setTimeout(() => process.exit(process.exitCode || 1), FORCED_EXIT_MS).unref();
  throw new Error(formatLeak(leaked));
}

export const mochaHooks = { afterAll: leakCheck };
