import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema, type InferenceBody } from "@darkbloom/proto";
import { expect } from "chai";
import { EngineError } from "../../errors.js";
import { loadModel } from "../../load-model.js";
import type { MlxEngine } from "../../mlx-engine.js";
import { collector, testModelDir } from "../../test-fixture.js";
import { schemaProblem } from "../json-schema/test-check.js";
import { ToolCallParser } from "./parser.js";

const tool = { name: "get_weather", description: "weather", parametersJson: '{"type":"object"}' };

function body(toolChoiceJson: string, responseFormatJson = "", maxTokens = 120): InferenceBody {
  return create(InferenceBodySchema, {
    model: "tiny-llama",
    input: {
      case: "chat",
      value: {
        messages: [{ role: "user", content: "Weather in Oslo?" }],
        tools: responseFormatJson ? [] : [tool],
        toolChoiceJson,
        responseFormatJson,
      },
    },
    sampling: { maxTokens, temperature: 0.8, seed: 5n, stop: [] },
  });
}

describe("MlxEngine constrained decoding", function () {
  this.timeout(60_000);
  let engine: MlxEngine;
  const never = new AbortController().signal;
  before(async () => {
    engine = await loadModel(testModelDir(), { modelId: "tiny-llama" });
  });
  after(() => engine.close());

  it("a tool_choice naming a function makes the model call it with JSON arguments", async () => {
    for (const maxTokens of [120, 60]) {
      const c = collector();
      const parser = new ToolCallParser();
      const result = await engine.generate(
        body('{"type":"function","function":{"name":"get_weather"}}', "", maxTokens),
        c.onDelta,
        never,
      );
      const parsed = parser.push(c.text());
      expect(result.finishReason, c.text()).to.equal("stop");
      expect(parsed.toolCalls, c.text()).to.have.length(1);
      expect(parsed.toolCalls[0]?.name).to.equal("get_weather");
      const args = JSON.parse(parsed.toolCalls[0]?.argumentsDelta ?? "") as unknown;
      expect(args).to.be.an("object");
      expect(result.completionTokens).to.be.at.most(maxTokens);
    }
  });

  it("response_format json_object makes the answer one JSON object", async () => {
    const c = collector();
    const result = await engine.generate(body("", '{"type":"json_object"}', 40), c.onDelta, never);
    expect(result.finishReason).to.equal("stop");
    expect(JSON.parse(c.text()) as unknown, c.text()).to.be.an("object");
  });

  it("refuses a tool_choice naming a function that is not in tools", async () => {
    const err = await engine
      .generate(body('{"type":"function","function":{"name":"nope"}}'), () => undefined, never)
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EngineError);
  });

  it('tool_choice "required" with several tools makes the model call one of them with its own arguments', async () => {
    const tools = [
      {
        name: "get_weather",
        description: "weather",
        parametersJson: JSON.stringify({
          type: "object",
          properties: { city: { type: "string", maxLength: 12 }, days: { type: "integer" } },
          required: ["city", "days"],
        }),
      },
      {
        name: "set_alarm",
        description: "alarm",
        parametersJson: JSON.stringify({
          type: "object",
          properties: { hour: { enum: [6, 7, 8] }, loud: { type: "boolean" } },
          required: ["hour", "loud"],
        }),
      },
    ];
    const names = new Set<string>();
    for (let seed = 1n; seed <= 12n; seed++) {
      const c = collector();
      const result = await engine.generate(
        create(InferenceBodySchema, {
          model: "tiny-llama",
          input: {
            case: "chat",
            value: {
              messages: [{ role: "user", content: "Do something useful." }],
              tools,
              toolChoiceJson: '"required"',
            },
          },
          sampling: { maxTokens: 80, temperature: 4, seed, stop: [] },
        }),
        c.onDelta,
        never,
      );
      const parsed = new ToolCallParser().push(c.text());
      expect(result.finishReason, c.text()).to.equal("stop");
      expect(parsed.toolCalls, c.text()).to.have.length(1);
      const call = parsed.toolCalls[0];
      const spec = tools.find((t) => t.name === call?.name);
      expect(spec, c.text()).to.not.equal(undefined);
      names.add(call?.name ?? "");
      const args = JSON.parse(call?.argumentsDelta ?? "") as unknown;
      const schema = JSON.parse(spec?.parametersJson ?? "{}") as Parameters<
        typeof schemaProblem
      >[1];
      expect(schemaProblem(args, schema), c.text()).to.equal(undefined);
    }
    expect(names.size, "both tools get called across seeds").to.equal(2);
  });
});
