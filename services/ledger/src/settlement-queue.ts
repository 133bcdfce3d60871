// Group commit for Settle: settlements that arrive while a batch is being written wait for the
// next batch, which writes them all in one Postgres transaction.
import { ConnectError } from "@connectrpc/connect";
import {
  BackendTerminatedError,
  BackendTerminatedUnexpectedlyError,
  ConnectionError,
  type DatabasePool,
} from "@darkbloom/db";
import { requireId } from "./ledger-errors.js";
import { settleHolds, type SettledFigures } from "./settle-batch.js";
import { settleHold, type SettleInput, type SettleOptions } from "./settle.js";

export type SettlementQueueOptions = SettleOptions & {
  /** Most settlements written in one transaction. */
  readonly maxBatch: number;
  /** After each batch has committed (or fallen back), with its size: e.g. a metric. */
  readonly onBatch?: (size: number) => void;
};

type Pending = {
  readonly input: SettleInput;
  readonly resolve: (figures: SettledFigures) => void;
  readonly reject: (error: ConnectError) => void;
};

/**
 * Settles holds in batches, one batch at a time: the first settlement starts a batch at once (no
 * waiting when idle); those arriving meanwhile form the next one. A caller's promise resolves
 * only after the transaction holding its settlement has committed, so an acknowledged settlement
 * is exactly as durable as before; one queued when the process dies was never acknowledged, and
 * its hold is swept like one whose settle never arrived. Two settles of one request id never
 * share a batch (the later waits for the next, where it replays the first). When a batch fails
 * as a whole (e.g. a value Postgres refuses), each of its settlements is retried alone in its
 * own transaction, so one bad settlement fails only its own caller.
 *
 * Holds no timer or socket: nothing to close. Pending settlements finish on their own.
 * (Batches take a pool connection each: keeping one across batches would save the pool's
 * DISCARD ALL, but slonik then leaves a broken connection's reset as an unhandled rejection.)
 */
export class SettlementQueue {
  private queue: Pending[] = [];
  private writing = false;

  constructor(
    private readonly pool: DatabasePool,
    private readonly options: SettlementQueueOptions,
  ) {}

  settle(input: SettleInput): Promise<SettledFigures> {
    return new Promise((resolve, reject) => {
      requireId(input.requestId, "request_id");
      this.queue.push({ input, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        void this.drain();
      }
    });
  }

  /** Writes batches until the queue is empty. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      try {
        await this.write(batch);
      } catch (error) {
        if (batch.length > 1 && !databaseUnreachable(error)) await this.settleOneByOne(batch);
        else for (const pending of batch) pending.reject(ConnectError.from(error));
      }
    }
    this.writing = false;
  }

  /** The oldest queued settlements, at most `maxBatch`, no request id twice. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const ids = new Set<string>();
    const rest: Pending[] = [];
    for (const pending of this.queue) {
      if (batch.length < this.options.maxBatch && !ids.has(pending.input.requestId)) {
        ids.add(pending.input.requestId);
        batch.push(pending);
      } else {
        rest.push(pending);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async write(batch: readonly Pending[]): Promise<void> {
    const outcomes = await this.pool.transaction((tx) =>
      settleHolds(
        tx,
        batch.map((pending) => pending.input),
        this.options,
      ),
    );
    batch.forEach((pending, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok === true) pending.resolve(outcome.figures);
      else pending.reject(outcome?.error ?? ConnectError.from("settlement lost in its batch"));
    });
    this.options.onBatch?.(batch.length);
  }

  /**
   * The batch failed as a whole but the database answers: one settlement's failure must not fail
   * the others, so each is settled alone. Should the database stop answering, the rest fail
   * with it rather than wait their turn.
   */
  private async settleOneByOne(batch: readonly Pending[]): Promise<void> {
    let unreachable: unknown;
    for (const pending of batch) {
      if (unreachable !== undefined) {
        pending.reject(ConnectError.from(unreachable));
        continue;
      }
      try {
        pending.resolve(
          await this.pool.transaction((tx) => settleHold(tx, pending.input, this.options)),
        );
      } catch (error) {
        if (databaseUnreachable(error)) unreachable = error;
        pending.reject(ConnectError.from(error));
      }
    }
    this.options.onBatch?.(batch.length);
  }
}

/** The connection broke or could not be made: not something one settlement did. */
function databaseUnreachable(error: unknown): boolean {
  return (
    error instanceof ConnectionError ||
    error instanceof BackendTerminatedError ||
    error instanceof BackendTerminatedUnexpectedlyError ||
    (error instanceof Error && "code" in error && error.code === "ECONNREFUSED")
  );
}
