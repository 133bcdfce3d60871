// Open holds of this coordinator are heartbeated (`ledger_holds.heartbeat_at`) while their
// request runs, so the stuck-hold sweeper, which measures staleness from the last heartbeat,
// never releases the hold of a long generation that is still streaming. A coordinator that dies
// stops heartbeating and its holds are swept after the sweep age.
import { sql, type DatabasePool, type DbConnection } from "@darkbloom/db";

export type HoldHeartbeatOptions = {
  /** Time between heartbeats; well below the sweep age. */
  readonly intervalMs: number;
  /**
   * A request open longer than this stops being heartbeated (a request whose settlement was
   * never attempted must not pin its hold forever); its hold is then swept like any other.
   */
  readonly maxRequestMs: number;
  /** Runs in each heartbeat's transaction, e.g. to heartbeat the requests' key reservations. */
  readonly alsoTouch?: (tx: DbConnection, requestIds: readonly string[]) => Promise<void>;
  /** A heartbeat failed (e.g. Postgres down); the next one retries. */
  readonly onError: (err: unknown) => void;
};

type HeartbeatState =
  { kind: "running"; timer: NodeJS.Timeout; beat: Promise<void> | undefined } | { kind: "closed" };

/** Marks the holds as alive now. */
export async function touchHolds(
  connection: DbConnection,
  requestIds: readonly string[],
): Promise<void> {
  if (requestIds.length === 0) return;
  // Rows locked in request id order, as a settlement batch locks them: no deadlock between them.
  await connection.query(sql.unsafe`
    UPDATE ledger_holds SET heartbeat_at = now()
    WHERE request_id IN (
      SELECT request_id FROM ledger_holds WHERE request_id = ANY(${sql.array(requestIds, "text")})
      ORDER BY request_id FOR UPDATE)`);
}

/** The set of this process's open holds, heartbeated every `intervalMs`. */
export class HoldHeartbeat {
  private readonly open = new Map<string, number>();
  private state: HeartbeatState;

  constructor(
    private readonly pool: DatabasePool,
    private readonly options: HoldHeartbeatOptions,
  ) {
    const timer = setInterval(() => void this.beatNow(), options.intervalMs);
    timer.unref();
    this.state = { kind: "running", timer, beat: undefined };
  }

  /** The request's hold (and whatever `alsoTouch` covers) is alive until {@link remove}. */
  add(requestId: string): void {
    if (this.state.kind === "running") this.open.set(requestId, Date.now());
  }

  remove(requestId: string): void {
    this.open.delete(requestId);
  }

  /** How many requests are heartbeated. */
  get size(): number {
    return this.open.size;
  }

  /** One heartbeat now (joins the one in progress, if any). */
  beatNow(): Promise<void> {
    const state = this.state;
    if (state.kind !== "running") return Promise.resolve();
    const oldest = Date.now() - this.options.maxRequestMs;
    for (const [id, since] of this.open) if (since < oldest) this.open.delete(id);
    const ids = [...this.open.keys()];
    state.beat ??= this.pool
      .transaction(async (tx) => {
        await touchHolds(tx, ids);
        await this.options.alsoTouch?.(tx, ids);
      })
      .catch((err: unknown) => this.options.onError(err))
      .finally(() => {
        state.beat = undefined;
      });
    return state.beat;
  }

  /** Stops the timer and waits for a heartbeat in progress. */
  async close(): Promise<void> {
    const state = this.state;
    this.state = { kind: "closed" };
    this.open.clear();
    if (state.kind !== "running") return;
    clearInterval(state.timer);
    await state.beat;
  }
}
