import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { objectSchemaMachine } from "../json-schema/root.js";
import { testModelDir } from "../../test-fixture.js";
import { Tokenizer, type TokenizerJson } from "../../tokenizer/tokenizer.js";
import { JsonConstraint, type JsonByteMachine } from "./constraint.js";
import { JsonMachine } from "./json-machine.js";

const tok = new Tokenizer(
  JSON.parse(readFileSync(join(testModelDir(), "tokenizer.json"), "utf8")) as TokenizerJson,
);
const EOS = 2;
const schema = objectSchemaMachine(
  {
    type: "object",
    properties: { s: { type: "string", maxLength: 4 }, t: { type: "string" }, e: { enum: ["a"] } },
    required: ["s", "t", "e"],
  },
  "schema",
);

/** The allowed tokens, one by one over the vocabulary: what the trie walk must reproduce. */
function bruteForce(machine: JsonByteMachine, remaining: number): number[] {
  const out: number[] = [];
  for (let id = 0; id < tok.vocabSize; id++) {
    const bytes = tok.tokenBytes(id);
    if (tok.specialIds.has(id) || bytes.length === 0) continue;
    const m = machine.clone();
    if (m.pushAll(bytes) && tok.encode(m.closingSuffix()).length + 1 <= remaining - 1) out.push(id);
  }
  return out;
}

describe("JsonConstraint", () => {
  it("allows exactly the tokens that keep the JSON valid and closable in the budget", () => {
    const cases: Array<[() => JsonByteMachine, string]> = [
      [() => new JsonMachine(), ""],
      [() => new JsonMachine(), '{"a":"free te'],
      [schema, '{"s":"ab'],
      [schema, '{"s":"ab","t":"x y'],
      [schema, '{"s":"abcd","t":"","e":'],
    ];
    for (const [machine, prefix] of cases) {
      for (const remaining of [200, 24]) {
        const c = new JsonConstraint(tok, { prefix: "", suffix: "", eosId: EOS, machine });
        const m = machine();
        for (const id of tok.encode(prefix)) {
          c.accept(id);
          m.pushAll(tok.tokenBytes(id));
        }
        const logits = new Array<number>(tok.vocabSize).fill(0);
        c.restrict(logits, remaining);
        const allowed = logits.flatMap((l, id) => (l === 0 ? [id] : []));
        const expected = bruteForce(m, remaining);
        expect(expected.length, prefix).to.be.greaterThan(0);
        expect(allowed, `${prefix} @${remaining}`).to.deep.equal(expected);
      }
    }
  });
});
