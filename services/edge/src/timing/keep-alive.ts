// Passes a stream's items through, calling `ping` whenever none arrived for intervalMs, so an
// SSE stream carries `: keep-alive` comments while the request waits for its first token.

export async function* withKeepAlive<T>(
  source: AsyncIterable<T>,
  intervalMs: number,
  ping: () => Promise<void>,
): AsyncGenerator<T> {
  if (intervalMs <= 0) {
    yield* source;
    return;
  }
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    let pending = it.next();
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<"tick">((resolve) => {
        timer = setTimeout(() => resolve("tick"), intervalMs);
      });
      const next = await Promise.race([pending, tick]).finally(() => clearTimeout(timer));
      if (next === "tick") {
        await ping();
        continue;
      }
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
      pending = it.next();
    }
  } finally {
    if (!finished) await it.return?.();
  }
}
