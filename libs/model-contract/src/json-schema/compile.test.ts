import { expect } from "chai";
import { compileSchema, SchemaUnsupportedError } from "./compile.js";
import { compileObjectSchema } from "./object-schema.js";

const pathOf = (schema: unknown): string | undefined => {
  try {
    compileObjectSchema(schema, "schema");
    return undefined;
  } catch (err) {
    if (err instanceof SchemaUnsupportedError) return err.path;
    throw err;
  }
};

describe("compileSchema", () => {
  it("accepts the documented subset, ignoring keywords it does not enforce", () => {
    const schema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      title: "t",
      type: "object",
      properties: {
        s: { type: "string", pattern: "^a", format: "email", minLength: 1, maxLength: 9 },
        n: { type: "number", minimum: 0, maximum: 9, multipleOf: 2 },
        l: { type: "array", items: { $ref: "#/definitions/x" }, uniqueItems: true },
        e: { enum: [1, "a", null, true] },
        c: { const: 5 },
        a: { anyOf: [{ type: "null" }, { $ref: "#" }] },
      },
      required: ["s"],
      additionalProperties: false,
      definitions: { x: { type: ["integer", "boolean"] } },
    };
    expect(pathOf(schema)).to.equal(undefined);
  });

  it("names the keyword it cannot follow", () => {
    const cases: Array<[unknown, string]> = [
      [{ type: "object", additionalProperties: { type: "string" } }, "schema.additionalProperties"],
      [{ type: "object", properties: { a: { allOf: [] } } }, "schema.properties.a.allOf"],
      [{ type: "object", properties: { a: { not: {} } } }, "schema.properties.a.not"],
      [{ type: "object", if: {} }, "schema.if"],
      [{ type: "object", properties: { a: { oneOf: [] } } }, "schema.properties.a.oneOf"],
      [{ type: "object", properties: { a: { type: "date" } } }, "schema.properties.a.type"],
      [{ type: "object", properties: { a: { $ref: "http://x/y" } } }, "schema.properties.a.$ref"],
      [{ type: "object", properties: { a: { $ref: "#/$defs/none" } } }, "schema.properties.a.$ref"],
      [{ type: "object", properties: {}, required: ["b"] }, "schema.required"],
      [{ type: "array", items: { type: "string" } }, "schema"], // root must be an object
      [
        { type: "object", properties: { a: { type: "array", items: [{}] } } },
        "schema.properties.a.items",
      ],
      [
        {
          $ref: "#/$defs/n",
          $defs: {
            n: { type: "object", properties: { n: { $ref: "#/$defs/n" } }, required: ["n"] },
          },
        },
        "schema",
      ], // no finite instance
    ];
    for (const [schema, path] of cases)
      expect(pathOf(schema), JSON.stringify(schema)).to.equal(path);
  });

  it("compiles a recursive $ref without looping", () => {
    const node = compileSchema({
      $ref: "#/$defs/t",
      $defs: { t: { type: "object", properties: { c: { $ref: "#/$defs/t" } } } },
    });
    expect(node.alts).to.have.length(1);
  });
});
