import type { DatabasePool } from "@darkbloom/db";
import { sweepStuckHolds, type SweepOptions } from "./sweep-holds.js";

export type HoldSweeperOptions = SweepOptions & {
  /** Time between sweeps (one runs at start). */
  readonly intervalMs: number;
  /** Called after each sweep that settled something. */
  readonly onSwept: (count: number) => void;
  /**
   * Runs after each sweep (its failure is reported like a sweep's): housekeeping that shares
   * the sweep's schedule, e.g. pruning stale key reservations or retrying pending payouts.
   */
  readonly afterSweep?: () => Promise<void>;
  /** A sweep failed (e.g. Postgres down); the next one retries. */
  readonly onError: (err: unknown) => void;
};

type SweeperState =
  | { kind: "idle" }
  | { kind: "running"; timer: NodeJS.Timeout; sweep: Promise<void> | undefined }
  | { kind: "closed" };

/**
 * Runs the stuck-hold sweep at start and every `intervalMs`, one sweep at a time. Safe to run
 * on every coordinator replica: the sweep locks holds with SKIP LOCKED.
 */
export class HoldSweeper {
  private state: SweeperState = { kind: "idle" };

  constructor(
    private readonly pool: DatabasePool,
    private readonly options: HoldSweeperOptions,
  ) {}

  /** Starts sweeping; resolves when the first sweep has finished (or failed and been reported). */
  async start(): Promise<void> {
    if (this.state.kind !== "idle") return;
    const timer = setInterval(() => void this.sweepNow(), this.options.intervalMs);
    this.state = { kind: "running", timer, sweep: undefined };
    await this.sweepNow();
  }

  /** One sweep now (joins the one in progress, if any). */
  sweepNow(): Promise<void> {
    const state = this.state;
    if (state.kind !== "running") return Promise.resolve();
    state.sweep ??= sweepStuckHolds(this.pool, this.options)
      .then(async (count) => {
        if (count > 0) this.options.onSwept(count);
        await this.options.afterSweep?.();
      })
      .catch((err: unknown) => this.options.onError(err))
      .finally(() => {
        state.sweep = undefined;
      });
    return state.sweep;
  }

  /** Stops the timer and waits for a sweep in progress. */
  async close(): Promise<void> {
    const state = this.state;
    this.state = { kind: "closed" };
    if (state.kind !== "running") return;
    clearInterval(state.timer);
    await state.sweep;
  }
}
