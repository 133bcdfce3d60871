/**
 * One value computed at most once per `ttlMs`: concurrent readers share the computation in
 * flight, a failed computation is not kept (the next reader tries again).
 */
export class StatsCache<T> {
  private value: { at: number; promise: Promise<T> } | undefined;

  constructor(
    private readonly compute: () => Promise<T>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    const at = this.now();
    if (this.value && at - this.value.at < this.ttlMs) return this.value.promise;
    const entry = { at, promise: this.compute() };
    this.value = entry;
    entry.promise.catch(() => {
      if (this.value === entry) this.value = undefined;
    });
    return entry.promise;
  }
}
