// Group commit for Settle: settlements that arrive while a batch is being written wait for the
// next batch, which writes them all in one Postgres transaction.
import { ConnectError } from "@connectrpc/connect";
import type { DatabasePool, DatabaseTransactionConnection } from "@darkbloom/db";
import { requireId } from "./ledger-errors.js";
import type { SettlementFigures } from "./money.js";
import { settleHolds } from "./settle-batch.js";
import { settleHold, type SettleInput, type SettleOptions } from "./settle.js";

export type SettlementQueueOptions = SettleOptions & {
  /** Most settlements written in one transaction. */
  readonly maxBatch: number;
  /** After each batch has committed (or fallen back), with its size: e.g. a metric. */
  readonly onBatch?: (size: number) => void;
};

type Connection = Pick<DatabaseTransactionConnection, "transaction">;

type Pending = {
  readonly input: SettleInput;
  readonly resolve: (figures: SettlementFigures) => void;
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
 */
export class SettlementQueue {
  private queue: Pending[] = [];
  private writing = false;

  constructor(
    private readonly pool: DatabasePool,
    private readonly options: SettlementQueueOptions,
  ) {}

  settle(input: SettleInput): Promise<SettlementFigures> {
    return new Promise((resolve, reject) => {
      requireId(input.requestId, "request_id");
      this.queue.push({ input, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        void this.drain();
      }
    });
  }

  /**
   * Writes batches until the queue is empty, on one connection kept while there is work (the
   * pool resets a connection with DISCARD ALL on release, which costs a round trip and every
   * cached plan of the ledger's triggers).
   */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      try {
        await this.pool.connect(async (connection) => {
          while (this.queue.length > 0) await this.write(connection, this.takeBatch());
        });
      } catch (error) {
        // No connection (e.g. Postgres down): what is queued fails as a lone settle would.
        for (const pending of this.queue.splice(0)) pending.reject(ConnectError.from(error));
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

  private async write(connection: Connection, batch: readonly Pending[]): Promise<void> {
    try {
      const outcomes = await connection.transaction((tx) =>
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
    } catch (error) {
      if (batch.length === 1) batch[0]?.reject(ConnectError.from(error));
      else for (const pending of batch) await this.settleAlone(connection, pending);
    }
    this.options.onBatch?.(batch.length);
  }

  private async settleAlone(connection: Connection, pending: Pending): Promise<void> {
    try {
      pending.resolve(
        await connection.transaction((tx) => settleHold(tx, pending.input, this.options)),
      );
    } catch (error) {
      pending.reject(ConnectError.from(error));
    }
  }
}
