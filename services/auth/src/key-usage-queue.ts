// Group commit for SettleKey: key usages that arrive while a batch is being written wait for the
// next batch, which records them all in one statement (key-usage-batch.ts).
import { ConnectError } from "@connectrpc/connect";
import {
  BackendTerminatedError,
  BackendTerminatedUnexpectedlyError,
  ConnectionError,
  type DatabasePool,
} from "@darkbloom/db";
import { settleKeyUsages, type KeyUsage } from "./key-usage-batch.js";

export type KeyUsageQueueOptions = {
  /** Most usages recorded in one statement. */
  readonly maxBatch: number;
  /** After each batch has committed (or fallen back), with its size: e.g. a metric or a test. */
  readonly onBatch?: (size: number) => void;
};

type Pending = {
  readonly usage: KeyUsage;
  readonly resolve: () => void;
  readonly reject: (error: ConnectError) => void;
};

/**
 * Records key usages in batches, one batch at a time: the first usage starts a batch at once (no
 * waiting when idle); those arriving meanwhile form the next one. A caller's promise resolves
 * only after the statement holding its usage has committed, so an acknowledged usage is exactly
 * as durable as one recorded alone; one queued when the process dies was never acknowledged (its
 * ledger settlement stands, its key reservation is pruned once its heartbeat stops, its usage is
 * not counted against the key: as when the process died just before recording it alone). When a
 * batch fails as a whole (e.g. a value Postgres refuses, or a deadlock with another replica's
 * batch), each of its usages is recorded alone, so one bad usage fails only its own caller.
 *
 * Holds no timer or socket: nothing to close. Pending usages finish on their own.
 */
export class KeyUsageQueue {
  private queue: Pending[] = [];
  private writing = false;

  constructor(
    private readonly pool: DatabasePool,
    private readonly options: KeyUsageQueueOptions,
  ) {}

  settle(usage: KeyUsage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ usage, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        void this.drain();
      }
    });
  }

  /** Writes batches until the queue is empty. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      try {
        await settleKeyUsages(
          this.pool,
          batch.map((pending) => pending.usage),
        );
        for (const pending of batch) pending.resolve();
        this.options.onBatch?.(batch.length);
      } catch (error) {
        if (batch.length > 1 && !databaseUnreachable(error)) await this.settleOneByOne(batch);
        else for (const pending of batch) pending.reject(ConnectError.from(error));
      }
    }
    this.writing = false;
  }

  /**
   * The batch failed as a whole but the database answers: one usage's failure must not fail the
   * others, so each is recorded alone. Should the database stop answering, the rest fail with it
   * rather than wait their turn.
   */
  private async settleOneByOne(batch: readonly Pending[]): Promise<void> {
    let unreachable: unknown;
    for (const pending of batch) {
      if (unreachable !== undefined) {
        pending.reject(ConnectError.from(unreachable));
        continue;
      }
      try {
        await settleKeyUsages(this.pool, [pending.usage]);
        pending.resolve();
      } catch (error) {
        if (databaseUnreachable(error)) unreachable = error;
        pending.reject(ConnectError.from(error));
      }
    }
    this.options.onBatch?.(batch.length);
  }
}

/** The connection broke or could not be made: not something one usage did. */
function databaseUnreachable(error: unknown): boolean {
  return (
    error instanceof ConnectionError ||
    error instanceof BackendTerminatedError ||
    error instanceof BackendTerminatedUnexpectedlyError ||
    (error instanceof Error && "code" in error && error.code === "ECONNREFUSED")
  );
}
