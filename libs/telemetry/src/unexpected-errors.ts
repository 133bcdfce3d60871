import { Counter, type Registry } from "prom-client";
import { errorMessage, type Logger } from "./logger.js";

/** Where an error nothing else handled came from (the metric's `source` label). */
export type UnexpectedSource =
  | "http_request"
  | "upgrade"
  | "connection"
  | "websocket_message"
  | "uncaught_exception"
  | "unhandled_rejection";

const SOURCES: readonly UnexpectedSource[] = [
  "http_request",
  "upgrade",
  "connection",
  "websocket_message",
  "uncaught_exception",
  "unhandled_rejection",
];

/**
 * The last line of defence of a long-running process (DESIGN §10: no input can crash it): an
 * error that escaped every handler is logged and counted instead of ending the process.
 */
export interface UnexpectedErrors {
  report(source: UnexpectedSource, err: unknown): void;
  /**
   * `fn` such that a throw, or a rejection of the promise it returns, is reported under `source`
   * and then given to `onError` (to answer 500, destroy a socket, ...) instead of escaping.
   */
  guard<A extends unknown[]>(
    source: UnexpectedSource,
    fn: (...args: A) => unknown,
    onError?: (...args: A) => void,
  ): (...args: A) => void;
}

export function createUnexpectedErrors(registry: Registry, log: Logger): UnexpectedErrors {
  const counter = new Counter({
    name: "darkbloom_unexpected_errors_total",
    help: "Errors that escaped every handler and were caught by a guard (each one is a bug)",
    labelNames: ["source"],
    registers: [registry],
  });
  // Every source is exported from the start (at 0), so an alert on increase() sees the first one.
  for (const source of SOURCES) counter.inc({ source }, 0);
  const report = (source: UnexpectedSource, err: unknown): void => {
    counter.inc({ source });
    log.error("unexpected error", {
      source,
      error: errorMessage(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
  };
  const guard =
    <A extends unknown[]>(
      source: UnexpectedSource,
      fn: (...args: A) => unknown,
      onError?: (...args: A) => void,
    ) =>
    (...args: A): void => {
      const failed = (err: unknown): void => {
        report(source, err);
        try {
          onError?.(...args);
        } catch (cleanupErr) {
          report(source, cleanupErr);
        }
      };
      try {
        const result = fn(...args);
        if (result instanceof Promise) result.catch(failed);
      } catch (err) {
        failed(err);
      }
    };
  return { report, guard };
}

/** The process events a guard listens to (the real `process`, or a stand-in in tests). */
export interface GuardedProcess {
  on(event: "uncaughtException", listener: (err: Error) => void): unknown;
  on(event: "unhandledRejection", listener: (reason: unknown) => void): unknown;
  off(event: "uncaughtException", listener: (err: Error) => void): unknown;
  off(event: "unhandledRejection", listener: (reason: unknown) => void): unknown;
}

/**
 * Keeps the process alive through an uncaught exception or an unhandled rejection (a throw in a
 * timer or event callback no guard wrapped): each is reported instead. Returns the uninstaller.
 */
export function guardProcess(errors: UnexpectedErrors, proc: GuardedProcess): () => void {
  const onException = (err: Error): void => errors.report("uncaught_exception", err);
  const onRejection = (reason: unknown): void => errors.report("unhandled_rejection", reason);
  proc.on("uncaughtException", onException);
  proc.on("unhandledRejection", onRejection);
  return () => {
    proc.off("uncaughtException", onException);
    proc.off("unhandledRejection", onRejection);
  };
}
