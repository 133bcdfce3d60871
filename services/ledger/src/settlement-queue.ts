// Group commit for Settle: settlements that arrive while a batch is being written wait for the
// next batch, which writes them all in one Postgres transaction (libs/db's GroupCommitQueue).
import { GroupCommitQueue, type DatabasePool } from "@darkbloom/db";
import { requireId } from "./ledger-errors.js";
import { settleHolds, type SettledFigures } from "./settle-batch.js";
import { settleHold, type SettleInput, type SettleOptions } from "./settle.js";

export type SettlementQueueOptions = SettleOptions & {
  /** Most settlements written in one transaction. */
  readonly maxBatch: number;
  /** After each batch has committed (or fallen back), with its size: e.g. a metric. */
  readonly onBatch?: (size: number) => void;
};

/**
 * Settles holds in batches, one batch at a time. A caller's promise resolves only after the
 * transaction holding its settlement has committed, so an acknowledged settlement is exactly as
 * durable as one written alone; one queued when the process dies was never acknowledged, and its
 * hold is swept like one whose settle never arrived. Two settles of one request id never share a
 * batch (the later waits for the next, where it replays the first). When a batch fails as a whole
 * (e.g. a value Postgres refuses), each of its settlements is retried alone in its own
 * transaction, so one bad settlement fails only its own caller.
 */
export class SettlementQueue {
  private readonly queue: GroupCommitQueue<SettleInput, SettledFigures>;

  constructor(pool: DatabasePool, options: SettlementQueueOptions) {
    this.queue = new GroupCommitQueue({
      maxBatch: options.maxBatch,
      key: (input) => input.requestId,
      onBatch: options.onBatch,
      writeBatch: async (inputs) =>
        (await pool.transaction((tx) => settleHolds(tx, inputs, options))).map((outcome) =>
          outcome.ok ? { ok: true, value: outcome.figures } : outcome,
        ),
      writeOne: (input) => pool.transaction((tx) => settleHold(tx, input, options)),
    });
  }

  async settle(input: SettleInput): Promise<SettledFigures> {
    requireId(input.requestId, "request_id");
    return this.queue.write(input);
  }
}
