import { expect } from "chai";
import { collectOutput } from "../openai/chat-output.js";
import { TOOL_CALL_RUN } from "../sse/testing/synthetic-events.js";
import { anthropicMessage, toolInput } from "./message-object.js";

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

describe("anthropicMessage", () => {
  it("answers tool calls as tool_use blocks with parsed input and stop_reason tool_use", async () => {
    const meta = { id: "msg-1", createdUnix: 0, model: "m" };
    const msg = anthropicMessage(meta, await collectOutput(from(TOOL_CALL_RUN)));
    expect(msg.stop_reason).to.equal("tool_use");
    expect(msg.content).to.deep.equal([
      { type: "text", text: "Let me check. " },
      { type: "tool_use", id: "call_a", name: "get_weather", input: { city: "Paris" } },
      { type: "tool_use", id: "call_b", name: "get_weather", input: { city: "Rome" } },
    ]);
    expect(msg.usage).to.deep.equal({ input_tokens: 11, output_tokens: 5 });
  });

  it("hands over arguments that are not a JSON object without failing", () => {
    expect(toolInput("[1]")).to.deep.equal({ value: [1] });
    expect(toolInput("{oops")).to.deep.equal({ raw_arguments: "{oops" });
  });
});
