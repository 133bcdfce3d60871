import { expect } from "chai";
import { parseResponseRequest, responseMessages, responsePlan } from "./request.js";

describe("Responses request", () => {
  it("turns instructions into a leading system message and a string input into a user turn", () => {
    const req = parseResponseRequest({ model: "m", input: "hi", instructions: "Be brief." });
    expect(responseMessages(req).map((m) => [m.role, m.content])).to.deep.equal([
      ["system", "Be brief."],
      ["user", "hi"],
    ]);
  });

  it("joins function_call items to the assistant turn and function_call_output to tool messages", () => {
    const req = parseResponseRequest({
      model: "m",
      input: [
        { role: "developer", content: "Rules." },
        { role: "user", content: [{ type: "input_text", text: "Weather?" }] },
        { type: "function_call", call_id: "c1", name: "w", arguments: '{"a":1}' },
        { type: "function_call", call_id: "c2", name: "w", arguments: '{"a":2}' },
        { type: "function_call_output", call_id: "c1", output: "sunny" },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Sunny." }] },
      ],
    });
    const messages = responseMessages(req);
    expect(messages.map((m) => m.role)).to.deep.equal([
      "system",
      "user",
      "assistant",
      "tool",
      "assistant",
    ]);
    expect(messages[2]?.toolCalls.map((c) => c.id)).to.deep.equal(["c1", "c2"]);
    expect(messages[3]).to.deep.include({ content: "sunny", toolCallId: "c1" });
    expect(messages[4]?.content).to.equal("Sunny.");
  });

  it("sends max_output_tokens and function tools to the provider", () => {
    const plan = responsePlan(
      parseResponseRequest({
        model: "m",
        input: "x",
        max_output_tokens: 9,
        tools: [{ type: "function", name: "w", parameters: { type: "object" } }],
        tool_choice: { type: "function", name: "w" },
      }),
      256,
      "acct",
    );
    expect(plan.maxTokens).to.equal(9);
    expect(plan.body.input.case).to.equal("chat");
    if (plan.body.input.case !== "chat") return;
    expect(plan.body.input.value.tools[0]?.name).to.equal("w");
    expect(JSON.parse(plan.body.input.value.toolChoiceJson)).to.deep.equal({
      type: "function",
      function: { name: "w" },
    });
  });

  it("refuses previous_response_id, naming it (responses are not stored)", () => {
    expect(() =>
      parseResponseRequest({ model: "m", input: "x", previous_response_id: "resp_1" }),
    ).to.throw(/previous_response_id/);
  });
});
