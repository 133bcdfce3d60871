import { expect } from "chai";
import { collectOutput } from "../../core/collect-output.js";
import { FinishReason } from "@darkbloom/proto";
import { TOOL_CALL_RUN, done, text } from "../../core/testing/synthetic-events.js";
import { anthropicMessage, toolInput } from "./response.js";

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

describe("anthropicMessage", () => {
  it("answers tool calls as tool_use blocks with parsed input and stop_reason tool_use", async () => {
    const meta = { id: "msg_1", createdUnix: 0, model: "m" };
    const msg = anthropicMessage(meta, await collectOutput(from(TOOL_CALL_RUN)));
    expect(msg.stop_reason).to.equal("tool_use");
    expect(msg.content).to.deep.equal([
      { type: "text", text: "Let me check. " },
      { type: "tool_use", id: "call_a", name: "get_weather", input: { city: "Paris" } },
      { type: "tool_use", id: "call_b", name: "get_weather", input: { city: "Rome" } },
    ]);
    expect(msg.usage).to.deep.equal({ input_tokens: 11, output_tokens: 5 });
  });

  it("reports a matched stop string as stop_reason stop_sequence; plain ends keep end_turn", async () => {
    const meta = { id: "msg_1", createdUnix: 0, model: "m" };
    const stopped = anthropicMessage(
      meta,
      await collectOutput(from([text("Hi"), done(FinishReason.STOP, 3, 2, "END")])),
    );
    expect(stopped).to.include({ stop_reason: "stop_sequence", stop_sequence: "END" });
    const ended = anthropicMessage(
      meta,
      await collectOutput(from([text("Hi"), done(FinishReason.STOP, 3, 2)])),
    );
    expect(ended).to.include({ stop_reason: "end_turn", stop_sequence: null });
  });

  it("hands over arguments that are not a JSON object without failing", () => {
    expect(toolInput("[1]")).to.deep.equal({ value: [1] });
    expect(toolInput("{oops")).to.deep.equal({ raw_arguments: "{oops" });
  });
});
