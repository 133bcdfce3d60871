import { FinishReason } from "@darkbloom/proto";
import { expect } from "chai";
import { ResponseStream } from "openai/lib/responses/ResponseStream";
import { EdgeError } from "../../errors/edge-error.js";
import { translateAll } from "../../core/stream-translator.js";
import { TOOL_CALL_RUN, done, replay, text } from "../../core/testing/synthetic-events.js";
import { ResponseStreamTranslator } from "./stream.js";
import { parseResponseRequest } from "./request.js";

const meta = { id: "resp_abc", createdUnix: 1_700_000_000, model: "tiny-llama" };
const req = parseResponseRequest({ model: "tiny-llama", input: "hi" });
const typesOf = (events: ReturnType<typeof translateAll>): string[] =>
  events.map((e) => (e.data as { type: string }).type);

describe("ResponseStreamTranslator", () => {
  it("emits the documented text event sequence, each event with the next sequence_number", () => {
    const events = translateAll(new ResponseStreamTranslator(meta, req), [
      text("Hel"),
      text("lo"),
      done(FinishReason.STOP),
    ]);
    expect(typesOf(events)).to.deep.equal([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(
      events.map((e) => (e.data as { sequence_number: number }).sequence_number),
    ).to.deep.equal(events.map((_, i) => i));
    expect(events.every((e) => e.event === (e.data as { type: string }).type)).to.equal(true);
  });

  it("is accepted by the openai client's ResponseStream, which rebuilds text and usage", async () => {
    const events = translateAll(new ResponseStreamTranslator(meta, req), [
      text("Hel"),
      text("lo"),
      done(FinishReason.STOP, 7, 2),
    ]);
    const final = await ResponseStream.fromReadableStream(replay(events)).finalResponse();
    expect(final.status).to.equal("completed");
    expect(final.output_text).to.equal("Hello");
    expect(final.usage).to.deep.include({ input_tokens: 7, output_tokens: 2, total_tokens: 9 });
  });

  it("maps tool-call deltas to function_call items with arguments deltas and done events", async () => {
    const events = translateAll(new ResponseStreamTranslator(meta, req), TOOL_CALL_RUN);
    const types = typesOf(events);
    expect(types.filter((t) => t === "response.output_item.added")).to.have.length(3);
    expect(types.filter((t) => t === "response.function_call_arguments.delta")).to.have.length(3);
    expect(types.filter((t) => t === "response.function_call_arguments.done")).to.have.length(2);
    const final = await ResponseStream.fromReadableStream(replay(events)).finalResponse();
    expect(final.output.map((o) => o.type)).to.deep.equal([
      "message",
      "function_call",
      "function_call",
    ]);
    expect(final.output[1]).to.deep.include({
      type: "function_call",
      call_id: "call_a",
      name: "get_weather",
      arguments: '{"city":"Paris"}',
      status: "completed",
    });
    expect(final.output[2]).to.deep.include({ call_id: "call_b", arguments: '{"city":"Rome"}' });
  });

  it("ends a generation cut by the token limit with response.incomplete (max_output_tokens)", () => {
    const events = translateAll(new ResponseStreamTranslator(meta, req), [
      text("x"),
      done(FinishReason.LENGTH),
    ]);
    const last = events.at(-1)?.data as {
      type: string;
      response: { status: string; incomplete_details: unknown };
    };
    expect(last.type).to.equal("response.incomplete");
    expect(last.response.status).to.equal("incomplete");
    expect(last.response.incomplete_details).to.deep.equal({ reason: "max_output_tokens" });
  });

  it("opens an empty message when the model produced nothing", () => {
    const events = translateAll(new ResponseStreamTranslator(meta, req), [
      done(FinishReason.STOP, 3, 0),
    ]);
    expect(typesOf(events)).to.include("response.output_item.done");
  });

  it("fails a broken stream with response.failed and an error the openai client raises", async () => {
    const t = new ResponseStreamTranslator(meta, req);
    const events = [
      ...translateAll(t, [text("x")]),
      ...t.error(new EdgeError(502, "server_error", "provider_error", "provider lost")),
    ];
    expect(typesOf(events).slice(-2)).to.deep.equal(["response.failed", "error"]);
    const err = await ResponseStream.fromReadableStream(replay(events))
      .finalResponse()
      .catch((e: unknown) => e);
    // Over HTTP the client raises an APIError from the `error` object; replayed, the stream
    // rejects with the error event itself. Either way the failure is not silent.
    expect((err as { message?: string }).message).to.match(/provider lost/);
  });
});
