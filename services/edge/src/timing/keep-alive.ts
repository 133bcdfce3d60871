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
  // One timer for the whole stream, restarted (refresh) at each wait rather than a new timer per
  // item: a relayed chunk costs no timer and no extra promises unless the wait really is long.
  let fired = false;
  let fire: (tick: "tick") => void = () => undefined;
  let tick = new Promise<"tick">((resolve) => (fire = resolve));
  const timer = setTimeout(() => {
    fired = true;
    fire("tick");
  }, intervalMs);
  const rearm = (): void => {
    if (fired) {
      fired = false;
      tick = new Promise<"tick">((resolve) => (fire = resolve));
    }
    timer.refresh();
  };
  try {
    for (;;) {
      rearm();
      const pending = it.next();
      let next = await Promise.race([pending, tick]);
      while (next === "tick") {
        await ping();
        rearm();
        next = await Promise.race([pending, tick]);
      }
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
