// Passes a stream's items through, calling `ping` whenever none arrived for intervalMs, so an
// SSE stream carries `: keep-alive` comments while the request waits for its first token.

export async function* withKeepAlive<T>(
  source: AsyncIterable<T>,
  intervalMs: number,
  ping: () => Promise<void>,
): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = await awaitWithKeepAlive(it.next(), intervalMs, ping);
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
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
