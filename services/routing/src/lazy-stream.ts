/**
 * An async iterable whose source is made by `start` at the first `next` (a throw there rejects
 * that call, as an async generator's body would), then iterated directly: each item costs no
 * promise or microtask hop of its own, where `yield* source` in an async generator costs one per
 * item and per level. `return` before the first `next` never starts the source.
 */
export function lazyStream<T>(start: () => AsyncIterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      let it: AsyncIterator<T> | undefined;
      let closed = false;
      const finished = (): Promise<IteratorResult<T>> =>
        Promise.resolve({ done: true, value: undefined });
      return {
        next: () => {
          if (closed) return finished();
          try {
            it ??= start()[Symbol.asyncIterator]();
          } catch (err) {
            closed = true;
            return Promise.reject(err instanceof Error ? err : new Error(String(err)));
          }
          return it.next();
        },
        return: () => {
          closed = true;
          return it?.return ? it.return() : finished();
        },
      };
    },
  };
}
