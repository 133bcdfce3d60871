import { expect } from "chai";
import { compileSchema } from "@darkbloom/model-contract";
import { JsonSchemaMachine } from "./machine.js";
import { schemaProblem } from "./test-check.js";
import { SplitMix64 } from "../../sampling/sampler.js";

type Schema = Record<string, unknown>;

const machine = (schema: Schema, maxDepth?: number): JsonSchemaMachine =>
  new JsonSchemaMachine(compileSchema(schema), maxDepth);

/** The index of the first refused byte, or -1 when every byte was accepted. */
function firstRefused(schema: Schema, text: string): number {
  const m = machine(schema);
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i++) if (!m.push(bytes[i] ?? 0)) return i;
  return -1;
}

const person: Schema = {
  type: "object",
  properties: {
    name: { type: "string", minLength: 2, maxLength: 5 },
    age: { type: "integer" },
    role: { enum: ["admin", "user", 3, null] },
    score: { type: ["number", "null"] },
    tags: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 2 },
    ok: { type: "boolean" },
    kind: { const: "person" },
  },
  required: ["name", "role", "tags", "kind"],
  additionalProperties: false,
};

const tree: Schema = {
  $ref: "#/$defs/node",
  $defs: {
    node: {
      type: "object",
      properties: {
        value: { anyOf: [{ type: "integer" }, { type: "string", maxLength: 3 }] },
        children: { type: "array", items: { $ref: "#/$defs/node" } },
        meta: { type: "object" },
      },
      required: ["value", "children"],
    },
  },
};

const nested: Schema = {
  type: "object",
  properties: {
    mood: { type: "string", enum: ["happy", "sad"] },
    count: { type: "integer", minimum: 0, description: "not enforced" },
    items: {
      type: "array",
      items: {
        type: "object",
        properties: { id: { type: "integer" }, label: { type: "string", nullable: true } },
        required: ["id", "label"],
        additionalProperties: false,
      },
    },
    note: { anyOf: [{ type: "string" }, { type: "null" }] },
  },
  required: ["mood", "count", "items", "note"],
  additionalProperties: false,
};

const KINDS: Array<[string, Schema]> = [
  ["object with every scalar kind", person],
  ["recursive $ref tree", tree],
  ["nested array of objects with nullable fields", nested],
  ["object without properties", { type: "object" }],
  ["untyped property", { type: "object", properties: { x: {} }, required: ["x"] }],
  [
    "definitions and a number array with bounds",
    {
      definitions: { n: { type: "number" } },
      type: "object",
      properties: { xs: { type: "array", items: { $ref: "#/definitions/n" }, minItems: 3 } },
      required: ["xs"],
    },
  ],
  [
    "root anyOf of objects",
    {
      anyOf: [
        { type: "object", properties: { a: { type: "integer" } }, required: ["a"] },
        { type: "object", properties: { b: { type: "string" } }, required: ["b"] },
      ],
    },
  ],
];

describe("JsonSchemaMachine", function () {
  this.timeout(30_000);
  it("accepts valid instances byte by byte and reports when the root closes", () => {
    const valid: Array<[Schema, string]> = [
      [person, '{"name":"Al","role":"admin","tags":["x"],"kind":"person"}'],
      [
        person,
        '{"name":"Alice","age":-3,"role":null,"score":1.5e3,"tags":["a","b"],"ok":true,"kind":"person"}',
      ],
      [person, '{"name":"Bø","role":3,"score":null,"tags":["é"],"kind":"person"}'],
      [tree, '{"value":1,"children":[{"value":"ab","children":[],"meta":{"k":[1,{}]}}]}'],
      [
        nested,
        '{"mood":"sad","count":0,"items":[{"id":1,"label":null},{"id":2,"label":"a"}],"note":"x"}',
      ],
      [{ type: "object" }, '{"a":[1,true,null,"s",{"b":-0.5}]}'],
    ];
    for (const [schema, text] of valid) {
      expect(schemaProblem(JSON.parse(text), schema), text).to.equal(undefined);
      const m = machine(schema);
      expect(m.pushAll(Buffer.from(text)), text).to.equal(true);
      expect(m.done, text).to.equal(true);
    }
  });

  it("refuses an invalid instance at its first wrong byte", () => {
    const cases: Array<[Schema, string, number]> = [
      [person, '{"role":"admin"}', 2], // name is required and comes first
      [person, '{"name":"A",', 10], // minLength 2
      [person, '{"name":"Alicia"', 14], // maxLength 5
      [person, '{"name":"Al","age":1.5', 20], // integer
      [person, '{"name":"Al","role":"root"', 21], // not in the enum
      [person, '{"name":"Al","role":3,"tags":[]', 30], // minItems 1
      [person, '{"name":"Al","role":3,"tags":["a","b","c"', 37], // maxItems 2
      [person, '{"name":"Al","role":3,"tags":["a"],"kind":"person","x"', 50], // no extra keys
      [person, '{"name":"Al","role":3,"tags":["a"],"ok":1', 40], // boolean
      [person, '{"role":3,"name":"Al"', 2], // schema order
      [tree, '{"value":"abcd"', 13], // anyOf: integer or string of at most 3
      [nested, '{"mood":"happy","count":0,"items":[{"label":null', 37], // id first and required
      [nested, '{"mood":"happy","count":0,"items":[],"note":5', 44],
      [{ type: "object" }, '{"a" :1}', 4], // compact only
    ];
    for (const [schema, text, at] of cases) expect(firstRefused(schema, text), text).to.equal(at);
  });

  for (const [kind, schema] of KINDS) {
    it(`closes any accepted prefix into a valid instance: ${kind}`, () => {
      const rng = new SplitMix64(7n);
      const alphabet = [...new Set('{}[]",:-0123456789.eEtrufalsnxyabcdehimnoprsuvp é😀')];
      for (let round = 0; round < 150; round++) {
        const m = machine(schema);
        let text = "";
        const steps = Math.floor(rng.next() * 80);
        for (let i = 0; i < steps && !m.done; i++) {
          const options = alphabet.filter((c) => m.clone().pushAll(Buffer.from(c)));
          if (options.length === 0) break;
          const c = options[Math.floor(rng.next() * options.length)] ?? "";
          m.pushAll(Buffer.from(c));
          text += c;
        }
        const closed = text + m.closingSuffix();
        const bytes = Buffer.from(closed);
        const value = JSON.parse(closed) as unknown;
        expect(schemaProblem(value, schema), closed).to.equal(undefined);
        const again = machine(schema);
        expect(again.pushAll(bytes) && again.done, closed).to.equal(true);
      }
    });
  }

  it("closes a fresh machine with the shortest instance: minimal required values", () => {
    expect(machine(person).closingSuffix()).to.equal(
      '{"name":"aa","role":3,"tags":[""],"kind":"person"}',
    );
    expect(machine(nested).closingSuffix()).to.equal(
      '{"mood":"sad","count":0,"items":[],"note":""}',
    );
  });

  it("bounds $ref recursion by the depth limit", () => {
    const deep = '{"value":1,"children":['.repeat(6);
    expect(machine(tree, 10).pushAll(Buffer.from(deep))).to.equal(false);
    expect(machine(tree, 12).pushAll(Buffer.from(deep))).to.equal(true);
  });

  it("clones independently", () => {
    const m = machine(person);
    m.pushAll(Buffer.from('{"name":"Al"'));
    const c = m.clone();
    expect(c.pushAll(Buffer.from(',"age":1'))).to.equal(true);
    expect(m.closingSuffix()).to.equal(',"role":3,"tags":[""],"kind":"person"}');
    expect(c.closingSuffix()).to.equal(',"role":3,"tags":[""],"kind":"person"}');
    expect(m.pushAll(Buffer.from(',"role":3'))).to.equal(true);
    expect(c.push(0x2c) && c.push(0x22) && c.push(0x61)).to.equal(false); // "age" was given
  });
});
