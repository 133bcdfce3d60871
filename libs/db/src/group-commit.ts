// Group commit: writes that arrive while a batch is being written wait for the next batch, which
// writes them all at once (one transaction or one statement), one batch at a time.
import { ConnectError } from "@connectrpc/connect";
import {
  BackendTerminatedError,
  BackendTerminatedUnexpectedlyError,
  ConnectionError,
} from "slonik";

/** One item's result in a batch: a batch may refuse single items and still commit the rest. */
export type BatchOutcome<R> =
  { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: ConnectError };

export type GroupCommitOptions<T, R> = {
  /** Most items written in one batch. */
  readonly maxBatch: number;
  /** Writes the items together and commits; one outcome per item, in order. */
  readonly writeBatch: (items: readonly T[]) => Promise<readonly BatchOutcome<R>[]>;
  /** Writes one item alone and commits (the fallback when its batch failed as a whole). */
  readonly writeOne: (item: T) => Promise<R>;
  /** Items with the same key never share a batch (the later waits for the next one). */
  readonly key?: (item: T) => string;
  /** After each batch has committed (or fallen back), with its size: e.g. a metric. */
  readonly onBatch?: (size: number) => void;
};

type Pending<T, R> = {
  readonly item: T;
  readonly resolve: (value: R) => void;
  readonly reject: (error: ConnectError) => void;
};

/**
 * The first item starts a batch at once (no waiting when idle); those arriving meanwhile form the
 * next one. A caller's promise resolves only after the batch holding its item has committed, so
 * an acknowledged item is exactly as durable as one written alone; one queued when the process
 * dies was never acknowledged. When a batch fails as a whole (e.g. a value Postgres refuses, or a
 * deadlock), each of its items is written alone, so one bad item fails only its own caller;
 * should the database stop answering, the rest fail with it rather than wait their turn.
 *
 * Holds no timer or socket: nothing to close. Pending items finish on their own.
 */
export class GroupCommitQueue<T, R> {
  private queue: Pending<T, R>[] = [];
  private writing = false;

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  write(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
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
        const outcomes = await this.options.writeBatch(batch.map((pending) => pending.item));
        batch.forEach((pending, i) => {
          const outcome = outcomes[i];
          if (outcome?.ok === true) pending.resolve(outcome.value);
          else pending.reject(outcome?.error ?? new ConnectError("write lost in its batch"));
        });
        this.options.onBatch?.(batch.length);
      } catch (error) {
        if (batch.length > 1 && !isDatabaseUnreachable(error)) await this.writeOneByOne(batch);
        else for (const pending of batch) pending.reject(ConnectError.from(error));
      }
    }
    this.writing = false;
  }

  /** The oldest queued items, at most `maxBatch`, no key twice. */
  private takeBatch(): Pending<T, R>[] {
    const { key, maxBatch } = this.options;
    if (key === undefined) return this.queue.splice(0, maxBatch);
    const batch: Pending<T, R>[] = [];
    const keys = new Set<string>();
    const rest: Pending<T, R>[] = [];
    for (const pending of this.queue) {
      const k = key(pending.item);
      if (batch.length < maxBatch && !keys.has(k)) {
        keys.add(k);
        batch.push(pending);
      } else {
        rest.push(pending);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async writeOneByOne(batch: readonly Pending<T, R>[]): Promise<void> {
    let unreachable: unknown;
    for (const pending of batch) {
      if (unreachable !== undefined) {
        pending.reject(ConnectError.from(unreachable));
        continue;
      }
      try {
        pending.resolve(await this.options.writeOne(pending.item));
      } catch (error) {
        if (isDatabaseUnreachable(error)) unreachable = error;
        pending.reject(ConnectError.from(error));
      }
    }
    this.options.onBatch?.(batch.length);
  }
}

/** The connection broke or could not be made: not something one write did. */
export function isDatabaseUnreachable(error: unknown): boolean {
  return (
    error instanceof ConnectionError ||
    error instanceof BackendTerminatedError ||
    error instanceof BackendTerminatedUnexpectedlyError ||
    (error instanceof Error && "code" in error && error.code === "ECONNREFUSED")
  );
}
