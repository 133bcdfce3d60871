import { Code, ConnectError } from "@connectrpc/connect";

interface Waiter {
  tryAdmit(): boolean;
  reject(err: Error): void;
  cleanup(): void;
}

export interface QueueOptions {
  /** Longest a request waits for capacity (DESIGN: 120 s). */
  timeoutMs: number;
  /** Waiters per model beyond which new requests are refused at once. */
  maxDepthPerModel: number;
  /** While anyone waits, capacity is re-checked this often (reservations expire silently). */
  recheckIntervalMs: number;
}

/**
 * FIFO wait queue per model. A waiter is admitted by `pump` (capacity changed) in arrival order:
 * the head is tried first and the pump stops at the first waiter that still does not fit.
 */
export class AdmissionQueue {
  private readonly byModel = new Map<string, Waiter[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly options: QueueOptions) {}

  depth(model: string): number {
    return this.byModel.get(model)?.length ?? 0;
  }

  get models(): number {
    return this.byModel.size;
  }

  /**
   * Waits until `tryAdmit` returns a value (called on every pump), `timeoutMs` passes
   * (ResourceExhausted with a retry-after hint) or the signal aborts (Canceled).
   */
  wait<T>(
    model: string,
    tryAdmit: () => T | undefined,
    timeoutMs: number,
    signal: AbortSignal,
    retryAfterSeconds: () => number,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const list = this.byModel.get(model) ?? [];
      this.byModel.set(model, list);
      const waiter: Waiter = {
        tryAdmit: () => {
          const admitted = tryAdmit();
          if (admitted === undefined) return false;
          resolve(admitted);
          return true;
        },
        reject,
        cleanup: () => {
          clearTimeout(timeout);
          signal.removeEventListener("abort", onAbort);
        },
      };
      const leave = (err: Error): void => {
        this.remove(model, waiter);
        waiter.cleanup();
        reject(err);
      };
      const timeout = setTimeout(
        () =>
          leave(exhausted(`no capacity for ${model} within ${timeoutMs} ms`, retryAfterSeconds())),
        timeoutMs,
      );
      const onAbort = (): void => leave(new ConnectError("the caller went away", Code.Canceled));
      signal.addEventListener("abort", onAbort, { once: true });
      list.push(waiter);
      this.arm();
    });
  }

  /** Admits waiters of the model (or every model) in order until one does not fit. */
  pump(model?: string): void {
    for (const m of model === undefined ? [...this.byModel.keys()] : [model]) {
      const list = this.byModel.get(m);
      while (list && list.length > 0) {
        const head = list[0] as Waiter;
        let admitted: boolean;
        try {
          admitted = head.tryAdmit();
        } catch (err) {
          head.reject(err instanceof Error ? err : new Error(String(err)));
          admitted = true;
        }
        if (!admitted) break;
        list.shift();
        head.cleanup();
      }
      if (list?.length === 0) this.byModel.delete(m);
    }
    this.arm();
  }

  /** Fails every waiter (shutdown). */
  close(): void {
    for (const [model, list] of this.byModel) {
      for (const w of list) {
        w.cleanup();
        w.reject(new ConnectError(`queue for ${model} closed`, Code.Unavailable));
      }
    }
    this.byModel.clear();
    this.arm();
  }

  private remove(model: string, waiter: Waiter): void {
    const list = this.byModel.get(model);
    if (!list) return;
    const i = list.indexOf(waiter);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byModel.delete(model);
    this.arm();
  }

  private arm(): void {
    if (this.byModel.size > 0 && !this.timer) {
      this.timer = setInterval(() => this.pump(), this.options.recheckIntervalMs);
    } else if (this.byModel.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/** The one way the router says "too busy": ResourceExhausted plus a `retry-after` (seconds). */
export function exhausted(message: string, retryAfterSeconds: number): ConnectError {
  const seconds = Math.min(120, Math.max(1, Math.ceil(retryAfterSeconds)));
  return new ConnectError(message, Code.ResourceExhausted, { "retry-after": String(seconds) });
}
