// Marks the inference phases on a request's stopwatch as its events pass by.
import type { InferenceEvent } from "../core/inference-events.js";
import type { RequestTiming } from "./request-timing.js";

/**
 * The same events, marked. A tap on `next` rather than an async generator: a relayed chunk costs
 * one `then` here instead of a generator's resumption and promises.
 */
export function timedEvents(
  events: AsyncGenerator<InferenceEvent>,
  timing: RequestTiming,
): AsyncGenerator<InferenceEvent> {
  const mark = (r: IteratorResult<InferenceEvent>): IteratorResult<InferenceEvent> => {
    if (r.done) return r;
    const ev = r.value;
    if (ev.type === "started") timing.mark("dispatch");
    else if (ev.type === "delta" || ev.type === "deltas") {
      if (!timing.has("ttft")) timing.mark("ttft");
    } else if (ev.type === "done") {
      if (!timing.has("ttft")) timing.mark("ttft");
      timing.mark("generation");
    }
    return r;
  };
  const tapped: AsyncGenerator<InferenceEvent> = {
    next: () => events.next().then(mark),
    return: (value) => events.return(value),
    throw: (err) => events.throw(err),
    [Symbol.asyncIterator]: () => tapped,
  };
  return tapped;
}
