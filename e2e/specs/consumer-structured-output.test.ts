import { expect } from "chai";
import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";
import { useLocalNetwork } from "../testbed/local-network.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";

// zod is the independent judge: the JSON schema sent is the one openai's helper derives from it.
const Day = z.object({
  mood: z.enum(["happy", "sad", "angry"]),
  count: z.number().int(),
  items: z.array(z.object({ id: z.number().int(), label: z.string().max(10).nullable() })).max(3),
  note: z.union([z.string(), z.number().int()]).nullable(),
});
const responseFormat = zodResponseFormat(Day, "day");
const schema = responseFormat.json_schema.schema ?? {};

const valid = (text: string): boolean => Day.safeParse(JSON.parse(text)).success;

const messages = [{ role: "user" as const, content: "Describe your day as JSON." }];

describe("structured outputs through the official openai client", function () {
  this.timeout(120_000);
  const net = useLocalNetwork();

  it("response_format json_schema: the answer parses and follows the schema", async () => {
    expect(JSON.stringify(schema)).to.contain("anyOf");
    for (const [seed, max_tokens] of [
      [1, 200],
      [2, 200],
      [3, 60],
    ] as const) {
      const res = await net.client.chat.completions.create({
        model: TEST_MODEL_ID,
        messages,
        response_format: {
          type: "json_schema",
          json_schema: { name: "day", schema, strict: true },
        },
        temperature: 1,
        seed,
        max_tokens,
      });
      const text = res.choices[0]?.message.content ?? "";
      expect(res.choices[0]?.finish_reason, text).to.equal("stop");
      expect(valid(text), text).to.equal(true);
    }
  });

  it("streams a json_schema answer whose concatenated deltas follow the schema", async () => {
    const stream = await net.client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages,
      response_format: responseFormat,
      temperature: 1,
      seed: 4,
      max_tokens: 120,
      stream: true,
    });
    let text = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish, text).to.equal("stop");
    expect(valid(text), text).to.equal(true);
  });

  it("chat.completions.parse with zodResponseFormat returns a parsed object zod accepts", async () => {
    const res = await net.client.chat.completions.parse({
      model: TEST_MODEL_ID,
      messages,
      response_format: zodResponseFormat(Day, "day"),
      temperature: 1,
      seed: 5,
      max_tokens: 150,
    });
    const parsed = res.choices[0]?.message.parsed;
    expect(Day.safeParse(parsed).success, JSON.stringify(parsed)).to.equal(true);
  });

  it("a forced tool call's arguments follow the function's parameters", async () => {
    const Args = z.object({
      city: z.string().max(12),
      days: z.number().int(),
      unit: z.enum(["celsius", "fahrenheit"]),
    });
    const parameters = zodResponseFormat(Args, "args").json_schema.schema ?? {};
    const res = await net.client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "Forecast for Oslo?" }],
      tools: [{ type: "function", function: { name: "forecast", parameters, strict: true } }],
      tool_choice: { type: "function", function: { name: "forecast" } },
      temperature: 1,
      seed: 6,
      max_tokens: 150,
    });
    const call = res.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("no function call");
    expect(call.function.name).to.equal("forecast");
    const args = JSON.parse(call.function.arguments) as unknown;
    expect(Args.safeParse(args).success, call.function.arguments).to.equal(true);
  });

  it("the Responses API's text.format json_schema: output_text follows the schema", async () => {
    const res = await net.client.responses.create({
      model: TEST_MODEL_ID,
      input: "Describe your day as JSON.",
      text: { format: { type: "json_schema", name: "day", schema, strict: true } },
      // greedy: at temperature 1 the unbounded `note` string can outrun 150 tokens (cut JSON)
      temperature: 0,
      max_output_tokens: 150,
    });
    expect(res.text?.format?.type).to.equal("json_schema");
    expect(valid(res.output_text), res.output_text).to.equal(true);
  });

  it("answers a schema it cannot follow with 400 naming response_format.json_schema.schema", async () => {
    const err = await net.client.chat.completions
      .create({
        model: TEST_MODEL_ID,
        messages,
        response_format: {
          type: "json_schema",
          json_schema: {
            name: "x",
            schema: { type: "object", properties: { a: { allOf: [{ type: "string" }] } } },
          },
        },
      })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenAI.BadRequestError);
    const bad = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.status).to.equal(400);
    expect(bad.param).to.equal("response_format.json_schema.schema");
    expect(bad.message).to.contain("properties.a.allOf");
  });
});
