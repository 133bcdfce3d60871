import type { EdgeContext, EdgeRequest } from "../edge-context.js";
import type { EdgeError } from "../errors/edge-error.js";
import { MidStreamError } from "../inference/run-inference.js";
import {
  dispatch,
  servedHeaders,
  type InferencePlan,
  type Served,
} from "../openai/chat-dispatch.js";
import { withKeepAlive } from "../timing/keep-alive.js";
import { SseWriter } from "./sse-writer.js";
import type { SseEvent, StreamTranslator } from "./stream-translator.js";

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
  ctx: EdgeContext,
  req: EdgeRequest,
  plan: InferencePlan,
  translatorFor: (model: string) => StreamTranslator,
): Promise<void> {
  const sse = new SseWriter(req.res);
  let translator: StreamTranslator | undefined;
  let served: Served | undefined;
  // One socket write per batch of events; awaited only when the consumer's buffer is full.
  const send = async (out: readonly SseEvent[]): Promise<void> => {
    await sse.events(out);
  };
  const open = async (): Promise<void> => {
    if (sse.started) return;
    sse.start(served ? servedHeaders(served, req.requestId) : { "x-request-id": req.requestId });
    if (translator) await send(translator.start());
  };
  const keepAlive = async (): Promise<void> => {
    await open();
    await sse.comment("keep-alive");
  };
  try {
    const dispatched = await dispatch(ctx, req, plan, keepAlive);
    served = dispatched.served;
    translator = translatorFor(dispatched.model);
    // Headers sent while queued carried no translator start events yet: send them now.
    if (sse.started) await send(translator.start());
    for await (const ev of withKeepAlive(dispatched.events, req.keepAliveIntervalMs, keepAlive)) {
      if (ev.type === "started") {
        served = ev;
        continue;
      }
      if (!sse.started) await open();
      const full = sse.events(ev.type === "delta" ? translator.delta(ev) : translator.done(ev));
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
    await send((translator ?? translatorFor(plan.body.model)).error(edge));
    await sse.comment(`x-timing ${req.timing.header()}`);
    sse.end();
  }
}
