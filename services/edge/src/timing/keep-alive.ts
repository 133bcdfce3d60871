// Passes a stream's items through, calling `ping` whenever none arrived for intervalMs, so an
// SSE stream carries `: keep-alive` comments while the request waits for its first token.

export async function* withKeepAlive<T>(
  source: AsyncIterable<T>,
  intervalMs: number,
  ping: () => Promise<void>,
): AsyncGenerator<T> {
  if (intervalMs <= 0) {
    for await (const item of source) yield item;
    return;
  }
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  // One timer for the whole stream, restarted (refresh) at each wait, instead of a timer and a
  // Promise.race per item. (A race against one long-lived promise would also pile a reaction on
  // it per item.) The timer wakes the wait only while there is one.
  let wake: ((tick: "tick") => void) | undefined;
  const timer = setTimeout(() => wake?.("tick"), intervalMs);
  const wait = (pending: Promise<IteratorResult<T>>): Promise<IteratorResult<T> | "tick"> => {
    timer.refresh();
    return new Promise((resolve, reject) => {
      wake = resolve;
      pending.then(resolve, reject);
    });
  };
  try {
    for (;;) {
      const pending = it.next();
      let next = await wait(pending);
      while (next === "tick") {
        wake = undefined;
        await ping();
        next = await wait(pending);
      }
      wake = undefined;
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    clearTimeout(timer);
    if (!finished) await it.return?.();
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
