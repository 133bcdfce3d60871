import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema, type InferenceBody } from "@darkbloom/proto";
import { expect } from "chai";
import { EngineError } from "../../errors.js";
import { schemaProblem } from "./test-check.js";
import { loadModel } from "../../load-model.js";
import type { MlxEngine } from "../../mlx-engine.js";
import { collector, testModelDir } from "../../test-fixture.js";
import { ToolCallParser } from "../tool-calls/parser.js";

const schema = {
  type: "object",
  properties: {
    mood: { type: "string", enum: ["happy", "sad", "angry"] },
    count: { type: "integer" },
    items: {
      type: "array",
      items: {
        type: "object",
        properties: { id: { type: "integer" }, label: { type: ["string", "null"], maxLength: 8 } },
        required: ["id", "label"],
        additionalProperties: false,
      },
      maxItems: 3,
    },
    note: { anyOf: [{ type: "string" }, { type: "null" }] },
  },
  required: ["mood", "count", "items", "note"],
  additionalProperties: false,
};

interface Options {
  responseFormat?: unknown;
  tool?: { name: string; parameters: unknown };
  maxTokens: number;
  seed: bigint;
}

function body(o: Options): InferenceBody {
  return create(InferenceBodySchema, {
    model: "tiny-llama",
    input: {
      case: "chat",
      value: {
        messages: [{ role: "user", content: "Describe your day as JSON." }],
        tools: o.tool
          ? [
              {
                name: o.tool.name,
                description: "",
                parametersJson: JSON.stringify(o.tool.parameters),
              },
            ]
          : [],
        toolChoiceJson: o.tool
          ? JSON.stringify({ type: "function", function: { name: o.tool.name } })
          : "",
        responseFormatJson: o.responseFormat ? JSON.stringify(o.responseFormat) : "",
      },
    },
    sampling: { maxTokens: o.maxTokens, temperature: 1, seed: o.seed, stop: [] },
  });
}

describe("MlxEngine with a JSON schema", function () {
  this.timeout(120_000);
  let engine: MlxEngine;
  const never = new AbortController().signal;
  before(async () => {
    engine = await loadModel(testModelDir(), { modelId: "tiny-llama" });
  });
  after(() => engine.close());

  it("response_format json_schema: sampled answers always parse and follow the schema, also when max_tokens is tight", async () => {
    const responseFormat = {
      type: "json_schema",
      json_schema: { name: "day", schema, strict: true },
    };
    for (const maxTokens of [200, 48]) {
      for (const seed of [1n, 2n, 3n, 4n]) {
        const c = collector();
        const result = await engine.generate(
          body({ responseFormat, maxTokens, seed }),
          c.onDelta,
          never,
        );
        const value = JSON.parse(c.text()) as unknown;
        expect(schemaProblem(value, schema), c.text()).to.equal(undefined);
        expect(result.finishReason, c.text()).to.equal("stop");
        expect(result.completionTokens).to.be.at.most(maxTokens);
      }
    }
  });

  it("a forced tool call's arguments follow the function's parameters schema", async () => {
    const parameters = {
      type: "object",
      properties: {
        city: { type: "string", maxLength: 12 },
        days: { type: "integer" },
        unit: { enum: ["c", "f"] },
      },
      required: ["city", "days", "unit"],
    };
    for (const [maxTokens, seed] of [
      [150, 7n],
      [150, 8n],
      [100, 9n],
    ] as const) {
      const c = collector();
      await engine.generate(
        body({ tool: { name: "forecast", parameters }, maxTokens, seed }),
        c.onDelta,
        never,
      );
      const call = new ToolCallParser().push(c.text()).toolCalls[0];
      expect(call?.name, c.text()).to.equal("forecast");
      const args = JSON.parse(call?.argumentsDelta ?? "") as unknown;
      expect(schemaProblem(args, parameters), c.text()).to.equal(undefined);
    }
  });

  it("a forced tool call whose parameters are outside the subset still gets a JSON object", async () => {
    const parameters = { type: "object", additionalProperties: { type: "string" } };
    const c = collector();
    await engine.generate(
      body({ tool: { name: "tag", parameters }, maxTokens: 80, seed: 10n }),
      c.onDelta,
      never,
    );
    const call = new ToolCallParser().push(c.text()).toolCalls[0];
    expect(call?.name, c.text()).to.equal("tag");
    expect(JSON.parse(call?.argumentsDelta ?? "") as unknown, c.text()).to.be.an("object");
  });

  it("refuses a schema it cannot follow with invalid_input", async () => {
    const responseFormat = {
      type: "json_schema",
      json_schema: {
        name: "x",
        schema: { type: "object", additionalProperties: { type: "string" } },
      },
    };
    const err = await engine
      .generate(body({ responseFormat, maxTokens: 10, seed: 1n }), () => undefined, never)
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EngineError);
    expect((err as EngineError).code).to.equal("invalid_input");
    expect((err as EngineError).message).to.contain(
      "response_format.json_schema.schema.additionalProperties",
    );
  });
});
