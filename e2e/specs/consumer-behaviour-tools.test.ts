import { expect } from "chai";
import OpenAI from "openai";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { useLocalNetwork } from "../testbed/local-network.js";

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
};
const forced = { type: "function" as const, function: { name: "get_weather" } };

describe("tool calls through the official openai client (forced by tool_choice)", function () {
  this.timeout(120_000);
  const net = useLocalNetwork();

  it("round trip: forced call → tool_calls with JSON arguments → tool result → normal answer", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: "user", content: "What is the weather in Oslo?" },
    ];
    const first = await net.client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages,
      tools: [weatherTool],
      tool_choice: forced,
      max_tokens: 120,
      temperature: 0.7,
      seed: 3,
    });
    const choice = first.choices[0];
    expect(choice?.finish_reason).to.equal("tool_calls");
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type).to.equal("function");
    expect(call?.id).to.match(/^call_/);
    if (call?.type !== "function") throw new Error("no function call");
    expect(call.function.name).to.equal("get_weather");
    expect(JSON.parse(call.function.arguments) as unknown).to.be.an("object");
    expect(first.usage?.completion_tokens).to.be.within(1, 120);

    messages.push(choice?.message as OpenAI.ChatCompletionMessageParam, {
      role: "tool",
      tool_call_id: call.id,
      content: '{"temperature_c": 4, "sky": "overcast"}',
    });
    const second = await net.client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages,
      tools: [weatherTool],
      max_tokens: 16,
      temperature: 0,
    });
    expect(second.choices[0]?.finish_reason).to.be.oneOf(["stop", "length"]);
    expect(second.choices[0]?.message.tool_calls ?? []).to.have.length(0);
    expect(second.choices[0]?.message.content).to.be.a("string").and.not.equal("");
  });

  it("streams the call as tool_calls deltas with an index and ends with finish_reason tool_calls", async () => {
    const stream = await net.client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "Weather in Rome?" }],
      tools: [weatherTool],
      tool_choice: forced,
      max_tokens: 120,
      temperature: 0.7,
      seed: 9,
      stream: true,
    });
    const args: string[] = [];
    let name = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) {
        expect(d.index).to.equal(0);
        name += d.function?.name ?? "";
        args.push(d.function?.arguments ?? "");
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).to.equal("get_weather");
    expect(JSON.parse(args.join("")) as unknown).to.be.an("object");
    expect(finish).to.equal("tool_calls");
  });

  it("response_format json_object answers with one JSON object", async () => {
    const res = await net.client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "Describe Oslo as JSON." }],
      response_format: { type: "json_object" },
      max_tokens: 60,
      temperature: 0.7,
      seed: 1,
    });
    expect(JSON.parse(res.choices[0]?.message.content ?? "") as unknown).to.be.an("object");
  });

  it("refuses a tool_choice naming a function that is not offered", async () => {
    const err = await net.client.chat.completions
      .create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "x" }],
        tools: [weatherTool],
        tool_choice: { type: "function", function: { name: "launch_rockets" } },
        max_tokens: 8,
      })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).to.equal(400);
  });
});
