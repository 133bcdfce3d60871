// Marks the inference phases on a request's stopwatch as its events pass by.
import type { InferenceEvent } from "../core/inference-events.js";
import type { RequestTiming } from "./request-timing.js";

export async function* timedEvents(
  events: AsyncIterable<InferenceEvent>,
  timing: RequestTiming,
): AsyncGenerator<InferenceEvent> {
  for await (const ev of events) {
    if (ev.type === "started") timing.mark("dispatch");
    else if (ev.type === "delta" && !timing.has("ttft")) timing.mark("ttft");
    else if (ev.type === "done") {
      if (!timing.has("ttft")) timing.mark("ttft");
      timing.mark("generation");
    }
    yield ev;
  }
}
