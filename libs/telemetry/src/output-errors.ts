/** The output streams a process writes its logs and banners to (process.stdout / stderr). */
export interface OutputStream {
  on(event: "error", listener: (err: Error) => void): unknown;
}

/**
 * Keeps a process serving when the reader of its stdout or stderr goes away (a closed pipe: a
 * `| head`, a log collector that restarted, a parent that died). A failed write becomes an
 * 'error' event on the stream; unheard, it is an uncaught exception, which ends an unguarded
 * process and wedges a guarded one: guardProcess reports it in a log line written to the same
 * broken stream, whose error is reported again, forever, and the event loop never turns again.
 * What could not be written is lost; there is nowhere left to say so.
 */
export function ignoreOutputErrors(streams: readonly OutputStream[]): void {
  for (const stream of streams) stream.on("error", () => undefined);
}
