import { expect } from "chai";
import { EdgeError } from "../../errors/edge-error.js";
import { anthropicMessages, messagesPlan, parseMessagesRequest } from "./request.js";

describe("Anthropic messages request", () => {
  it("keeps roles and tool turns: system first, tool_result as tool messages, tool_use as calls", () => {
    const req = parseMessagesRequest({
      model: "m",
      max_tokens: 5,
      system: [{ type: "text", text: "Be brief." }],
      messages: [
        { role: "user", content: "Weather?" },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "t1", name: "get_weather", input: { city: "Paris" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "21C" }] },
            { type: "text", text: "Thanks" },
          ],
        },
      ],
    });
    expect(anthropicMessages(req)).to.deep.equal([
      { role: "system", content: "Be brief.", toolCallId: "", toolCalls: [] },
      { role: "user", content: "Weather?", toolCallId: "", toolCalls: [] },
      {
        role: "assistant",
        content: "Checking.",
        toolCallId: "",
        toolCalls: [{ id: "t1", name: "get_weather", argumentsJson: '{"city":"Paris"}' }],
      },
      { role: "tool", content: "21C", toolCallId: "t1", toolCalls: [] },
      { role: "user", content: "Thanks", toolCallId: "", toolCalls: [] },
    ]);
  });

  it("carries max_tokens, stop_sequences, tools and tool_choice to the provider body", () => {
    const plan = messagesPlan(
      parseMessagesRequest({
        model: "m",
        max_tokens: 7,
        stop_sequences: ["END"],
        messages: [{ role: "user", content: "hi" }],
        tools: [{ name: "f", input_schema: { type: "object" } }],
        tool_choice: { type: "any" },
      }),
      "acct",
    );
    expect(plan.maxTokens).to.equal(7);
    expect(plan.body.sampling?.stop).to.deep.equal(["END"]);
    const input = plan.body.input;
    expect(input.case).to.equal("chat");
    if (input.case !== "chat") return;
    expect(input.value.tools[0]).to.deep.include({
      name: "f",
      parametersJson: '{"type":"object"}',
    });
    expect(input.value.toolChoiceJson).to.equal('"required"');
  });

  it("requires max_tokens, naming it", () => {
    let err: unknown;
    try {
      parseMessagesRequest({ model: "m", messages: [{ role: "user", content: "hi" }] });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(EdgeError);
    expect((err as EdgeError).status).to.equal(400);
    expect((err as EdgeError).param).to.equal("max_tokens");
  });
});
