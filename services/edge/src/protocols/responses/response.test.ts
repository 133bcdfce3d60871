import { expect } from "chai";
import { collectOutput } from "../../core/collect-output.js";
import { TOOL_CALL_RUN } from "../../core/testing/synthetic-events.js";
import { completedResponse } from "./response.js";
import { parseResponseRequest } from "./request.js";

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

describe("completedResponse", () => {
  it("answers tool calls as function_call items after the message, with usage", async () => {
    const meta = { id: "resp_1", createdUnix: 0, model: "m" };
    const req = parseResponseRequest({ model: "m", input: "x" });
    const res = completedResponse(meta, req, await collectOutput(from(TOOL_CALL_RUN)));
    expect(res.status).to.equal("completed");
    expect(res.output.map((o) => o.type)).to.deep.equal([
      "message",
      "function_call",
      "function_call",
    ]);
    expect(res.output[1]).to.deep.include({
      call_id: "call_a",
      name: "get_weather",
      arguments: '{"city":"Paris"}',
    });
    expect(new Set(res.output.map((o) => o.id)).size).to.equal(3);
    expect(res.usage).to.deep.include({ input_tokens: 11, output_tokens: 5, total_tokens: 16 });
  });
});
