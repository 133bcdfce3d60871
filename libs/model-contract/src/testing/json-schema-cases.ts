// Structured-output schemas with the verdict both sides must give: the edge (a 400 before
// dispatch) and the provider (before it builds its decoder). Each side runs this table in its own
// test, so the two cannot drift apart. `refusedAt` is the JSON path the refusal names.

export interface SchemaCase {
  what: string;
  schema: unknown;
  refusedAt?: string;
}

export const SCHEMA_CASES: readonly SchemaCase[] = [
  {
    what: "the documented subset, with keywords accepted but not enforced",
    schema: {
      type: "object",
      properties: {
        s: { type: ["string", "null"], pattern: "^a", format: "email", maxLength: 3 },
        n: { anyOf: [{ $ref: "#/$defs/n" }, { type: "null" }] },
        l: { type: "array", items: { enum: [1, "x"] }, minItems: 1, uniqueItems: true },
        c: { const: 5 },
        o: { type: "object", nullable: true },
      },
      required: ["s"],
      additionalProperties: false,
      $defs: { n: { type: "integer", minimum: 0 } },
    },
  },
  {
    what: "a root $ref through definitions",
    schema: { $ref: "#/definitions/o", definitions: { o: { type: "object" } } },
  },
  {
    what: "an unsupported keyword in a definition nothing refers to (never followed)",
    schema: { type: "object", $defs: { unused: { allOf: [{}] } } },
  },
  {
    what: "object keywords on a string (ignored, as for any type they do not apply to)",
    schema: { type: "object", properties: { a: { type: "string", required: ["x"] } } },
  },
  {
    what: "allOf",
    schema: { type: "object", properties: { a: { allOf: [{}] } } },
    refusedAt: "schema.properties.a.allOf",
  },
  { what: "if", schema: { type: "object", if: {} }, refusedAt: "schema.if" },
  {
    what: "additionalProperties as a schema",
    schema: { type: "object", additionalProperties: { type: "string" } },
    refusedAt: "schema.additionalProperties",
  },
  {
    what: "an unknown type name",
    schema: { type: "object", properties: { a: { type: "date" } } },
    refusedAt: "schema.properties.a.type",
  },
  {
    what: "tuple items",
    schema: { type: "object", properties: { a: { type: "array", items: [{}] } } },
    refusedAt: "schema.properties.a.items",
  },
  {
    what: "a non-local $ref",
    schema: { type: "object", properties: { a: { $ref: "http://x/y" } } },
    refusedAt: "schema.properties.a.$ref",
  },
  {
    what: "a $ref that does not resolve",
    schema: { type: "object", properties: { a: { $ref: "#/$defs/x" } } },
    refusedAt: "schema.properties.a.$ref",
  },
  {
    what: "a $ref to something that is not a schema",
    schema: { type: "object", properties: { a: { $ref: "#/required" } }, required: ["a"] },
    refusedAt: "schema.required",
  },
  {
    what: "an unsupported keyword reached through a $ref",
    schema: {
      $ref: "#/$defs/x",
      $defs: { x: { type: "object", properties: { a: { oneOf: [] } } } },
    },
    refusedAt: "schema.$defs.x.properties.a.oneOf",
  },
  {
    what: "required naming a property not in properties",
    schema: { type: "object", properties: {}, required: ["z"] },
    refusedAt: "schema.required",
  },
  { what: "a non-object root", schema: { type: "array" }, refusedAt: "schema" },
  {
    what: "an object root narrowed by enum to values (the enum wins)",
    schema: { type: "object", properties: {}, enum: [{}] },
    refusedAt: "schema",
  },
  {
    what: "a root with no finite instance (an object that requires itself)",
    schema: {
      $ref: "#/$defs/n",
      $defs: { n: { type: "object", properties: { n: { $ref: "#/$defs/n" } }, required: ["n"] } },
    },
    refusedAt: "schema",
  },
];
