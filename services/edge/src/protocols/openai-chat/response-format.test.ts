import { expect } from "chai";
import { SCHEMA_CASES } from "@darkbloom/model-contract/testing";
import { EdgeError } from "../../errors/edge-error.js";
import { jsonSchemaProblem } from "../../core/openai-shared/json-schema-check.js";
import { parseChatRequest } from "./request.js";

const chat = (response_format: unknown) => ({
  model: "m",
  messages: [{ role: "user", content: "hi" }],
  response_format,
});

function refusal(response_format: unknown): { param: unknown; message: string } | undefined {
  try {
    parseChatRequest(chat(response_format));
    return undefined;
  } catch (err) {
    if (!(err instanceof EdgeError)) throw err;
    return { param: err.param, message: err.message };
  }
}

/** An object schema nested `levels` deep through `items`. */
const nest = (levels: number): unknown => {
  let s: unknown = { type: "object" };
  for (let i = 0; i < levels; i++)
    s = { type: "object", properties: { a: { type: "array", items: s } } };
  return s;
};

describe("response_format validation (chat completions)", () => {
  it("accepts text, json_object and a json_schema in the supported subset", () => {
    const schema = {
      type: "object",
      properties: {
        a: { type: ["string", "null"], pattern: "x", maxLength: 3 },
        b: { anyOf: [{ $ref: "#/$defs/n" }, { type: "null" }] },
        c: { type: "array", items: { enum: [1, "x"] }, minItems: 1 },
      },
      required: ["a"],
      additionalProperties: false,
      $defs: { n: { type: "integer", minimum: 0 } },
    };
    for (const f of [
      { type: "text" },
      { type: "json_object" },
      { type: "json_schema", json_schema: { name: "x_1", schema, strict: true } },
      { type: "json_schema", json_schema: { name: "no-schema" } },
    ])
      expect(refusal(f), JSON.stringify(f)).to.equal(undefined);
  });

  it("answers an unsupported schema with a 400 naming response_format.json_schema.schema", () => {
    const schemas: Array<[unknown, string]> = [
      [{ type: "object", additionalProperties: { type: "string" } }, "schema.additionalProperties"],
      [{ type: "object", properties: { a: { allOf: [{}] } } }, "schema.properties.a.allOf"],
      [{ type: "object", properties: { a: { not: {} } } }, "schema.properties.a.not"],
      [{ type: "object", if: {} }, "schema.if"],
      [{ type: "object", properties: { a: { $ref: "#/$defs/x" } } }, "schema.properties.a.$ref"],
      [
        { $ref: "#/$defs/x", $defs: { x: { type: "object", properties: { a: { oneOf: [] } } } } },
        "schema.$defs.x.properties.a.oneOf",
      ],
      [{ type: "array" }, "schema: the root must be an object schema"],
      [{ type: "object", properties: {}, required: ["z"] }, "schema.required"],
      [nest(300), "nested deeper than 200"],
    ];
    for (const [schema, where] of schemas) {
      const r = refusal({ type: "json_schema", json_schema: { name: "x", schema } });
      expect(r?.param, JSON.stringify(schema)).to.equal("response_format.json_schema.schema");
      expect(r?.message).to.contain(where);
    }
  });

  it("names the field when the json_schema name is missing or malformed", () => {
    expect(refusal({ type: "json_schema", json_schema: { name: "a b" } })?.param).to.equal(
      "response_format.json_schema.name",
    );
    expect(refusal({ type: "json_schema", json_schema: {} })?.param).to.equal(
      "response_format.json_schema.name",
    );
  });

  for (const c of SCHEMA_CASES)
    it(`agrees with the provider: ${c.refusedAt ? "refuses" : "accepts"} ${c.what}`, () => {
      const r = refusal({ type: "json_schema", json_schema: { name: "x", schema: c.schema } });
      if (c.refusedAt === undefined) return expect(r).to.equal(undefined);
      expect(r?.param).to.equal("response_format.json_schema.schema");
      expect(r?.message).to.contain(`.schema: ${c.refusedAt}: `); // the param, then the path
    });

  it("checks $refs through $defs and definitions", () => {
    expect(
      jsonSchemaProblem({ $ref: "#/definitions/o", definitions: { o: { type: "object" } } }),
    ).to.equal(undefined);
  });
});
