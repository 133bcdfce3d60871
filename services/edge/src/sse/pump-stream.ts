import type { EdgeError } from "../errors/edge-error.js";
import type { EdgeRequest } from "../edge-context.js";
import { MidStreamError, type InferenceEvent } from "../inference/run-inference.js";
import { withKeepAlive } from "../timing/keep-alive.js";
import { SseWriter } from "./sse-writer.js";
import type { SseEvent, StreamTranslator } from "./stream-translator.js";

/**
 * Streams inference events to the consumer through an API's translator. A failure after the
 * stream started becomes the translator's final error event (never a silently truncated stream).
 */
export async function pumpStream(
  req: EdgeRequest,
  headers: Record<string, string>,
  translator: StreamTranslator,
  events: AsyncIterable<InferenceEvent>,
): Promise<void> {
  const sse = new SseWriter(req.res);
  sse.start(headers);
  const send = async (out: readonly SseEvent[]): Promise<void> => {
    for (const e of out) await sse.data(e.data, e.event);
  };
  try {
    await send(translator.start());
    const keepAlive = () => sse.comment("keep-alive");
    for await (const ev of withKeepAlive(events, req.keepAliveIntervalMs, keepAlive)) {
      if (ev.type === "delta") await send(translator.delta(ev));
      else if (ev.type === "done") await send(translator.done(ev));
    }
    await sse.comment(`x-timing ${req.timing.header()}`);
    if (translator.doneSentinel) await sse.done();
    else sse.end();
  } catch (err) {
    const edge: EdgeError = err instanceof MidStreamError ? err.edge : req.toEdgeError(err);
    req.log.warn("stream failed after start", { status: edge.status, code: edge.code ?? "" });
    await send(translator.error(edge));
    await sse.comment(`x-timing ${req.timing.header()}`);
    sse.end();
  }
}
