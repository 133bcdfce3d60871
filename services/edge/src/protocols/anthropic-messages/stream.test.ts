import { MessageStream } from "@anthropic-ai/sdk/lib/MessageStream";
import { FinishReason } from "@darkbloom/proto";
import { expect } from "chai";
import { EdgeError } from "../../errors/edge-error.js";
import { translateAll } from "../../core/stream-translator.js";
import { TOOL_CALL_RUN, done, replay, text } from "../../core/testing/synthetic-events.js";
import { MessageStreamTranslator } from "./stream.js";

const meta = { id: "msg_abc", createdUnix: 1_700_000_000, model: "tiny-llama" };
const typesOf = (events: ReturnType<typeof translateAll>): string[] =>
  events.map((e) => (e.data as { type: string }).type);

describe("MessageStreamTranslator", () => {
  it("emits message_start, ping, one text block, message_delta with usage and message_stop", () => {
    const events = translateAll(new MessageStreamTranslator(meta), [
      text("Hel"),
      text("lo"),
      done(FinishReason.LENGTH, 9, 2),
    ]);
    expect(typesOf(events)).to.deep.equal([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events.every((e) => e.event === (e.data as { type: string }).type)).to.equal(true);
    expect(events[6]?.data).to.deep.include({
      delta: { stop_reason: "max_tokens", stop_sequence: null },
      usage: { input_tokens: 9, output_tokens: 2 },
    });
  });

  it("maps tool-call deltas to tool_use blocks with input_json_delta, stop_reason tool_use", async () => {
    const events = translateAll(new MessageStreamTranslator(meta), TOOL_CALL_RUN);
    const final = await MessageStream.fromReadableStream(replay(events)).finalMessage();
    expect(final.stop_reason).to.equal("tool_use");
    expect(final.content.map((c) => c.type)).to.deep.equal(["text", "tool_use", "tool_use"]);
    expect(final.content[1]).to.deep.include({
      type: "tool_use",
      id: "call_a",
      name: "get_weather",
      input: { city: "Paris" },
    });
    expect(final.content[2]).to.deep.include({ id: "call_b", input: { city: "Rome" } });
    expect(final.usage).to.deep.include({ input_tokens: 11, output_tokens: 5 });
  });

  it("reports the provider's prompt token count in message_start, before any text", () => {
    const events = translateAll(new MessageStreamTranslator(meta), [
      text("Hel", 9),
      text("lo"),
      done(FinishReason.STOP, 9, 2),
    ]);
    expect(typesOf(events).slice(0, 2)).to.deep.equal(["message_start", "ping"]);
    expect(events[0]?.data).to.have.nested.property("message.usage.input_tokens", 9);
  });

  it("names the matched stop string: stop_reason stop_sequence and stop_sequence", async () => {
    const events = translateAll(new MessageStreamTranslator(meta), [
      text("Hi", 4),
      done(FinishReason.STOP, 4, 3, "\n\nHuman:"),
    ]);
    const final = await MessageStream.fromReadableStream(replay(events)).finalMessage();
    expect(final.stop_reason).to.equal("stop_sequence");
    expect(final.stop_sequence).to.equal("\n\nHuman:");
    expect(final.usage).to.deep.include({ input_tokens: 4, output_tokens: 3 });
  });

  it("maps every finish reason to an Anthropic stop_reason", () => {
    const reasonOf = (r: FinishReason): unknown =>
      (
        translateAll(new MessageStreamTranslator(meta), [done(r)]).at(-2)?.data as {
          delta: { stop_reason: string };
        }
      ).delta.stop_reason;
    expect(reasonOf(FinishReason.STOP)).to.equal("end_turn");
    expect(reasonOf(FinishReason.LENGTH)).to.equal("max_tokens");
    expect(reasonOf(FinishReason.TOOL_CALLS)).to.equal("tool_use");
  });

  it("ends a broken stream with an Anthropic error event", () => {
    const t = new MessageStreamTranslator(meta);
    const events = [
      ...translateAll(t, [text("x")]),
      ...t.error(new EdgeError(503, "server_error", "no_capacity", "no provider")),
    ];
    expect(events.at(-1)).to.deep.equal({
      event: "error",
      data: { type: "error", error: { type: "overloaded_error", message: "no provider" } },
    });
  });
});
