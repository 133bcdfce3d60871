// A work queue of object keys: a key queued many times runs once, one reconcile at a time per key
// (a key queued while it runs runs again after), failures retry with per-key exponential backoff,
// and a reconcile may ask to run again after a delay (controller-runtime's RequeueAfter).
export interface WorkQueueOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Keys worked on at the same time (different keys only). */
  concurrency: number;
  onError?: (key: string, err: unknown, retryInMs: number) => void;
}

/** What a reconcile may return: run this key again after `requeueAfterMs`. */
export interface Requeue {
  requeueAfterMs?: number | undefined;
}

export class WorkQueue {
  private readonly pending: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  private readonly idleWaiters: (() => void)[] = [];
  private state: "running" | "closed" = "running";

  constructor(
    private readonly work: (key: string) => Promise<void | Requeue>,
    private readonly options: WorkQueueOptions,
  ) {}

  add(key: string): void {
    if (this.state === "closed") return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.pending.push(key);
    this.pump();
  }

  /** Queues `key` after `delayMs`; of two delayed adds of one key the sooner wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.state === "closed") return;
    const due = Date.now() + delayMs;
    const prev = this.timers.get(key);
    if (prev && prev.due <= due) return;
    if (prev) clearTimeout(prev.timer);
    this.timers.set(key, {
      due,
      timer: setTimeout(() => {
        this.timers.delete(key);
        this.add(key);
      }, delayMs),
    });
  }

  /** Failures in a row for `key` (reset by a success). */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  private pump(): void {
    while (
      this.state === "running" &&
      this.running.size < this.options.concurrency &&
      this.pending.length
    ) {
      const key = this.pending.shift() as string;
      this.queued.delete(key);
      this.running.add(key);
      void this.run(key);
    }
    if (this.running.size === 0 && this.pending.length === 0)
      for (const w of this.idleWaiters.splice(0)) w();
  }

  private async run(key: string): Promise<void> {
    try {
      const result = await this.work(key);
      this.failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const delay = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (n - 1));
      this.options.onError?.(key, err, delay);
      this.addAfter(key, delay);
    } finally {
      this.running.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }

  /** Resolves when nothing runs or waits (timers for later retries do not count). */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.state = "closed";
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.pending.length = 0;
    this.queued.clear();
    while (this.running.size) await new Promise((r) => setTimeout(r, 10));
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
