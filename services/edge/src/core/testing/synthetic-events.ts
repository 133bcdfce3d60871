import { create } from "@bufbuild/protobuf";
import { FinishReason, ToolCallDeltaSchema } from "@darkbloom/proto";
import type { InferenceEvent } from "../inference-events.js";
import type { SseEvent } from "../stream-translator.js";

/** Builders of synthetic inference events, for translator tests (no provider needed). */
export const text = (t: string, promptTokens = 0): InferenceEvent => ({
  type: "delta",
  text: t,
  tokens: 1,
  toolCalls: [],
  promptTokens,
});

export const toolDelta = (
  index: number,
  argumentsDelta: string,
  id = "",
  name = "",
): InferenceEvent => ({
  type: "delta",
  text: "",
  tokens: 1,
  toolCalls: [create(ToolCallDeltaSchema, { index, id, name, argumentsDelta })],
  promptTokens: 0,
});

export const done = (
  finishReason: FinishReason,
  promptTokens = 11,
  completionTokens = 5,
  stopSequence?: string,
): InferenceEvent => ({
  type: "done",
  promptTokens,
  completionTokens,
  finishReason,
  ...(stopSequence === undefined ? {} : { stopSequence }),
});

/** A text answer, then two tool calls streamed as deltas (OpenAI's delta convention). */
export const TOOL_CALL_RUN: readonly InferenceEvent[] = [
  text("Let me check. "),
  toolDelta(0, '{"city":', "call_a", "get_weather"),
  toolDelta(0, '"Paris"}'),
  toolDelta(1, '{"city":"Rome"}', "call_b", "get_weather"),
  done(FinishReason.TOOL_CALLS),
];

/** The events' payloads as the newline-delimited JSON an SDK's `fromReadableStream` replays. */
export function replay(events: readonly SseEvent[]): ReadableStream<Uint8Array> {
  const lines = events.map((e) => `${JSON.stringify(e.data)}\n`).join("");
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(lines));
      controller.close();
    },
  });
}
