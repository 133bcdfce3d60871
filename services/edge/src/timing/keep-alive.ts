// Passes a stream's items through, calling `ping` whenever none arrived for intervalMs, so an
// SSE stream carries `: keep-alive` comments while the request waits for its first token.

export function withKeepAlive<T>(
  source: AsyncIterable<T>,
  intervalMs: number,
  ping: () => Promise<void>,
): AsyncIterable<T> {
  if (intervalMs <= 0) return source;
  return new KeepAliveStream(source[Symbol.asyncIterator](), intervalMs, ping);
}

interface Waiter<T> {
  readonly resolve: (r: IteratorResult<T>) => void;
  readonly reject: (err: unknown) => void;
}

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/**
 * One timer for the whole stream instead of a timer and a Promise.race per item. A wait notes
 * when it began (a clock read, not a re-arm of the timer per item); the timer, armed at most once
 * per interval, pings once the wait it finds has lasted the interval and otherwise sleeps for
 * the rest of it. An item that arrives during a
 * ping is passed on once the ping is written; a failed ping ends the stream with its error. An
 * iterator rather than an async generator: a relayed item costs one promise and one reaction.
 * When the stream ends early (failure, or the consumer stops) the source is closed first.
 */
class KeepAliveStream<T> implements AsyncIterableIterator<T> {
  #timer: NodeJS.Timeout | undefined;
  /** When the current wait began (Date.now()). */
  #waitFrom = 0;
  #waiter: Waiter<T> | undefined;
  #pinging = false;
  /** What the source answered while a ping was being written. */
  #arrived: { ok: IteratorResult<T> } | { err: unknown } | undefined;
  #closed = false;

  constructor(
    private readonly it: AsyncIterator<T>,
    private readonly intervalMs: number,
    private readonly ping: () => Promise<void>,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#closed) return Promise.resolve(DONE);
    this.#beginWait();
    let pending: Promise<IteratorResult<T>>;
    try {
      pending = this.it.next();
    } catch (err) {
      return new Promise((resolve, reject) => this.#fail(err, reject));
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      pending.then(this.#onItem, this.#onError);
    });
  }

  /** The consumer stops early: the source is closed. */
  async return(value?: unknown): Promise<IteratorResult<T>> {
    if (!this.#closed) {
      this.#close();
      await this.it.return?.();
    }
    return { done: true, value: value as T };
  }

  /** A wait starts now; the timer is armed unless it already is. */
  #beginWait(): void {
    this.#waitFrom = Date.now();
    this.#timer ??= setTimeout(this.#onTick, this.intervalMs);
  }

  readonly #onTick = (): void => {
    // not armed again while nothing waits: the next wait arms it
    this.#timer = undefined;
    if (this.#waiter === undefined || this.#pinging || this.#closed) return;
    const left = this.#waitFrom + this.intervalMs - Date.now();
    if (left > 0) {
      this.#timer = setTimeout(this.#onTick, left);
      return;
    }
    this.#pinging = true;
    this.ping().then(this.#onPinged, this.#onPingFailed);
  };

  readonly #onPinged = (): void => {
    this.#pinging = false;
    const arrived = this.#arrived;
    this.#arrived = undefined;
    if (arrived === undefined) {
      // still waiting: the next ping one interval after this one
      if (!this.#closed) this.#beginWait();
    } else if ("ok" in arrived) this.#onItem(arrived.ok);
    else this.#onError(arrived.err);
  };

  readonly #onPingFailed = (err: unknown): void => {
    this.#pinging = false;
    this.#arrived = undefined;
    const waiter = this.#take();
    if (waiter) this.#fail(err, waiter.reject);
  };

  readonly #onItem = (r: IteratorResult<T>): void => {
    if (this.#pinging) {
      this.#arrived = { ok: r };
      return;
    }
    const waiter = this.#take();
    if (waiter === undefined) return;
    if (r.done) {
      // finished: nothing to close
      this.#closed = true;
      clearTimeout(this.#timer);
      waiter.resolve(DONE);
    } else waiter.resolve(r);
  };

  readonly #onError = (err: unknown): void => {
    if (this.#pinging) {
      this.#arrived = { err };
      return;
    }
    const waiter = this.#take();
    if (waiter) this.#fail(err, waiter.reject);
  };

  #take(): Waiter<T> | undefined {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    return waiter;
  }

  /** Ends the stream with `err` once the source is closed (an error closing it wins). */
  #fail(err: unknown, reject: (err: unknown) => void): void {
    this.#close();
    new Promise((resolve) => resolve(this.it.return?.())).then(
      () => reject(err),
      (closeErr: unknown) => reject(closeErr),
    );
  }

  #close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }
}

/**
 * Awaits one promise, calling `ping` every intervalMs while it is pending (a stream waiting in
 * the routing queue for its reservation). A ping that fails ends the wait with its error.
 */
export async function awaitWithKeepAlive<T>(
  pending: Promise<T>,
  intervalMs: number,
  ping: (() => Promise<void>) | undefined,
): Promise<T> {
  if (!ping || intervalMs <= 0) return pending;
  // Observed here so a rejection while a ping is being written is not reported as unhandled.
  const settled = pending.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<"tick">((resolve) => {
      timer = setTimeout(() => resolve("tick"), intervalMs);
    });
    const next = await Promise.race([settled, tick]).finally(() => clearTimeout(timer));
    if (next === "tick") {
      await ping();
      continue;
    }
    if ("error" in next) throw next.error;
    return next.value;
  }
}
