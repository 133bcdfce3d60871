import type { EdgeRequest } from "../edge-context.js";
import type { EdgeError } from "../errors/edge-error.js";
import { SseWriter } from "../sse/sse-writer.js";
import { withKeepAlive } from "../timing/keep-alive.js";
import type { Dispatched } from "./dispatch.js";
import { MidStreamError } from "./inference-events.js";
import { servedHeaders, type Served } from "./start-inference.js";
import { translateDeltas, type SseEvent, type StreamTranslator } from "./stream-translator.js";

export interface StreamOptions {
  /** The requested model (names the translator of a stream that fails before a start). */
  model: string;
  /** The stream's headers, given what served it so far (default: servedHeaders). */
  headers?: (served: Served | undefined) => Record<string, string>;
  /**
   * Whether waiting sends headers and `: keep-alive` comments (default true). Sealed mode opens
   * its stream at the first output only, so a provider's refusal stays a plain 4xx.
   */
  keepAlive?: boolean;
}

/**
 * Streams one inference through an API's translator.
 *
 * Headers wait for the first output, so they name the provider that actually answered (a hedge
 * or a failover may change it before the first token). They go out earlier only when the
 * keep-alive interval passes first — while the request waits in the routing queue or for its
 * first token — so that proxies see bytes; they then name the provider known at that moment
 * (none yet while still queued). An error before anything was sent is the API's usual error
 * response; after that it is the translator's final error event (never a truncated stream).
 */
export async function streamInference(
  req: EdgeRequest,
  start: (onWaiting?: () => Promise<void>) => Promise<Dispatched>,
  translatorFor: (model: string) => StreamTranslator,
  options: StreamOptions,
): Promise<void> {
  const sse = new SseWriter(req.res);
  let translator: StreamTranslator | undefined;
  let served: Served | undefined;
  let flushed = false;
  // One socket write per batch of events; awaited only when the consumer's buffer is full.
  const send = async (out: readonly SseEvent[]): Promise<void> => {
    await sse.events(out);
  };
  const open = async (): Promise<void> => {
    if (sse.started) return;
    sse.start(headers(served));
    if (translator) await send(translator.start(served));
  };
  const headers =
    options.headers ??
    ((s: Served | undefined) =>
      s ? servedHeaders(s, req.requestId) : { "x-request-id": req.requestId });
  const keepAlive =
    options.keepAlive === false
      ? undefined
      : async (): Promise<void> => {
          await open();
          await sse.comment("keep-alive");
        };
  try {
    const dispatched = await start(keepAlive);
    served = dispatched.served;
    translator = translatorFor(dispatched.model);
    // Headers sent while queued carried no translator start events yet: send them now.
    if (sse.started) await send(translator.start(served));
    const events = keepAlive
      ? withKeepAlive(dispatched.events, req.keepAliveIntervalMs, keepAlive)
      : dispatched.events;
    for await (const ev of events) {
      if (ev.type === "started") {
        served = ev;
        continue;
      }
      if (!sse.started) await open();
      const full = sse.events(
        ev.type === "delta"
          ? translator.delta(ev)
          : ev.type === "deltas"
            ? translateDeltas(translator, ev.deltas)
            : translator.done(ev),
      );
      if (!flushed) {
        // the first output (with the headers and the translator's start when not sent yet)
        // leaves now, not after the rest of a burst read from the provider in one go
        flushed = true;
        sse.flush();
      }
      if (full) await full;
    }
    await open();
    await sse.comment(`x-timing ${req.timing.header()}`);
    if (translator.doneSentinel) await sse.done();
    else sse.end();
  } catch (err) {
    if (!sse.started) throw err;
    const edge: EdgeError = err instanceof MidStreamError ? err.edge : req.toEdgeError(err);
    req.log.warn("stream failed after start", { status: edge.status, code: edge.code ?? "" });
    await send((translator ?? translatorFor(options.model)).error(edge));
    await sse.comment(`x-timing ${req.timing.header()}`);
    sse.end();
  }
}
