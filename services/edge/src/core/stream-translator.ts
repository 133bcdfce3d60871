import type { EdgeError } from "../errors/edge-error.js";
import type { InferenceEvent } from "./inference-events.js";
import type { Served } from "./start-inference.js";

export type DeltaEvent = Extract<InferenceEvent, { type: "delta" }>;
export type DoneEvent = Extract<InferenceEvent, { type: "done" }>;

/** One server-sent event: an optional `event:` name and a JSON `data:` payload. */
export interface SseEvent {
  event?: string;
  data: unknown;
  /**
   * `data` already serialised, exactly as JSON.stringify(data) writes it (a translator's template
   * for its per-chunk event); the writer then sends this text and leaves `data` alone.
   */
  json?: string;
}

/**
 * Turns inference events into one API's stream events. Implementations are pure state machines
 * (no I/O), so each API's event sequence is unit-tested by feeding synthetic events.
 */
export interface StreamTranslator {
  /** Events that open the stream (its headers are out); `served`: the provider known by then. */
  start(served?: Served): SseEvent[];
  delta(ev: DeltaEvent): SseEvent[];
  done(ev: DoneEvent): SseEvent[];
  /** The final event(s) of a stream that failed after it started. */
  error(err: EdgeError): SseEvent[];
  /** Whether the stream ends with OpenAI's `data: [DONE]` sentinel. */
  readonly doneSentinel: boolean;
}

/** A batch of deltas' events, in order (one socket write for all of them). */
export function translateDeltas(
  translator: StreamTranslator,
  deltas: readonly DeltaEvent[],
): SseEvent[] {
  const out: SseEvent[] = [];
  for (const d of deltas) for (const e of translator.delta(d)) out.push(e);
  return out;
}

/** Runs a whole event stream through a translator (tests and non-HTTP callers). */
export function translateAll(
  translator: StreamTranslator,
  events: readonly InferenceEvent[],
): SseEvent[] {
  const out = translator.start();
  for (const ev of events) {
    if (ev.type === "delta") out.push(...translator.delta(ev));
    else if (ev.type === "deltas") out.push(...translateDeltas(translator, ev.deltas));
    else if (ev.type === "done") out.push(...translator.done(ev));
  }
  return out;
}
