/** A single-consumer async queue: producers push, one `for await` drains, end/fail finish it. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | undefined;
  private failWaiter: ((err: unknown) => void) | undefined;
  private ended = false;
  private failure: { err: Error } | undefined;
  private sink: { item: (item: T) => void; end: (err?: Error) => void } | undefined;

  push(item: T): void {
    if (this.ended) return;
    if (this.sink) {
      this.sink.item(item);
    } else if (this.waiter) {
      const w = this.waiter;
      this.clearWaiters();
      w({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.sink) {
      this.sink.end();
    } else if (this.waiter && this.items.length === 0) {
      const w = this.waiter;
      this.clearWaiters();
      w({ value: undefined, done: true });
    }
  }

  fail(err: unknown): void {
    if (this.ended) return;
    this.failure = { err: err instanceof Error ? err : new Error(String(err)) };
    this.ended = true;
    if (this.sink) {
      this.sink.end(this.failure.err);
    } else if (this.failWaiter && this.items.length === 0) {
      const f = this.failWaiter;
      this.clearWaiters();
      f(err);
    }
  }

  /**
   * Instead of a `for await` (one promise and microtask hop per item): hands what is queued and
   * every later item to `item` synchronously as it is pushed, then calls `end` once (with the
   * failure, if it failed). The queue is then no longer iterable.
   */
  drainTo(item: (item: T) => void, end: (err?: Error) => void): void {
    if (this.sink || this.waiter) throw new Error("the queue already has a consumer");
    for (const queued of this.items.splice(0)) item(queued);
    if (this.ended) {
      end(this.failure?.err);
      return;
    }
    this.sink = { item, end };
  }

  /**
   * The first queued item if `wanted` accepts it, taken off the queue (no promise): what a
   * `for await` consumer reads next anyway, taken together with the item it is handling.
   */
  takeIf(wanted: (item: T) => boolean): T | undefined {
    const item = this.items[0];
    if (item === undefined || !wanted(item)) return undefined;
    this.items.shift();
    return item;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.failure) return Promise.reject(this.failure.err);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise<IteratorResult<T>>((resolve, reject) => {
          this.waiter = resolve;
          this.failWaiter = reject;
        });
      },
      return: () => {
        this.ended = true;
        this.items.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private clearWaiters(): void {
    this.waiter = undefined;
    this.failWaiter = undefined;
  }
}
