// Group commit for SettleKey: key usages that arrive while a batch is being written wait for the
// next batch, which records them all in one statement (key-usage-batch.ts). A caller's promise
// resolves only once the statement holding its usage has committed, so an acknowledged usage is
// as durable as one recorded alone; one queued when the process dies was never acknowledged (its
// ledger settlement stands, its key reservation is pruned once its heartbeat stops, its usage is
// not counted against the key: as when the process died just before recording it alone). A batch
// that fails as a whole (a value Postgres refuses, a deadlock with another replica's batch) is
// recorded one usage at a time, so one bad usage fails only its own caller.
import { GroupCommitQueue, type DatabasePool } from "@darkbloom/db";
import { settleKeyUsages, type KeyUsage } from "./key-usage-batch.js";

export type KeyUsageQueueOptions = {
  /** Most usages recorded in one statement. */
  readonly maxBatch: number;
  /** After each batch has committed (or fallen back), with its size: e.g. a metric or a test. */
  readonly onBatch?: (size: number) => void;
};

export type KeyUsageQueue = GroupCommitQueue<KeyUsage, void>;

export function keyUsageQueue(pool: DatabasePool, options: KeyUsageQueueOptions): KeyUsageQueue {
  return new GroupCommitQueue<KeyUsage, void>({
    ...options,
    writeBatch: async (usages) => {
      await settleKeyUsages(pool, usages);
      return usages.map(() => ({ ok: true, value: undefined }));
    },
    writeOne: (usage) => settleKeyUsages(pool, [usage]),
  });
}
