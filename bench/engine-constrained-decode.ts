// Cost of constrained decoding: greedy decode tokens/s of the MLX engine on the test model without
// a constraint, with response_format json_object (any object), with a json_schema (nested schema)
// and with a forced tool call whose arguments follow a schema; then the per-token masking cost
// (one JsonConstraint.restrict over the whole vocabulary) at real-model vocabulary sizes, made by
// padding the test tokenizer with distinct made-up word pieces.
// Usage: npx tsx bench/engine-constrained-decode.ts [maxTokens]
import { create } from "@bufbuild/protobuf";
import { InferenceBodySchema, type InferenceBody } from "@darkbloom/proto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadModel } from "../provider/src/engine/index.js";
import { objectSchemaMachine } from "../provider/src/engine/constrained/json-schema/root.js";
import { Tokenizer, type TokenizerJson } from "../provider/src/engine/tokenizer/tokenizer.js";
import {
  JsonConstraint,
  type ConstraintVocab,
  type JsonByteMachine,
} from "../provider/src/engine/constrained/tool-calls/constraint.js";
import { JsonMachine } from "../provider/src/engine/constrained/tool-calls/json-machine.js";
import { generateTestModel } from "../provider/test-model/generate.js";

const maxTokens = Number(process.argv[2] ?? 160);
const schema = {
  type: "object",
  properties: {
    mood: { type: "string", enum: ["happy", "sad", "angry"] },
    count: { type: "integer" },
    items: {
      type: "array",
      items: {
        type: "object",
        properties: { id: { type: "integer" }, label: { type: ["string", "null"] } },
        required: ["id", "label"],
        additionalProperties: false,
      },
    },
    note: { anyOf: [{ type: "string" }, { type: "null" }] },
  },
  required: ["mood", "count", "items", "note"],
  additionalProperties: false,
};

const dir = generateTestModel();
const engine = await loadModel(dir, { modelId: "tiny-llama" });
const eosId = 2;
const never = new AbortController().signal;

function body(mode: string, i: number): InferenceBody {
  const tool = { name: "report", description: "", parametersJson: JSON.stringify(schema) };
  const format =
    mode === "json_object"
      ? { type: "json_object" }
      : mode === "json_schema"
        ? { type: "json_schema", json_schema: { name: "day", schema } }
        : undefined;
  return create(InferenceBodySchema, {
    model: "tiny-llama",
    input: {
      case: "chat",
      value: {
        messages: [{ role: "user", content: `Request ${i}: describe your day.` }],
        tools: mode === "tool" ? [tool] : [],
        toolChoiceJson: mode === "tool" ? '{"type":"function","function":{"name":"report"}}' : "",
        responseFormatJson: format ? JSON.stringify(format) : "",
      },
    },
    // The unconstrained row bans EOS so it decodes as long as the others may.
    sampling: { maxTokens, temperature: 0, logitBias: mode === "none" ? { [eosId]: -100 } : {} },
  });
}

async function rate(mode: string): Promise<{ tokens: number; seconds: number }> {
  let tokens = 0;
  const start = performance.now();
  for (let i = 0; i < 4; i++)
    tokens += (await engine.generate(body(mode, i), () => undefined, never)).completionTokens;
  return { tokens, seconds: (performance.now() - start) / 1000 };
}

await rate("none"); // warm-up
const rows: Array<[string, { tokens: number; seconds: number }]> = [];
for (const mode of ["none", "json_object", "json_schema", "tool"])
  rows.push([mode, await rate(mode)]);
engine.close();
const base = rows[0]?.[1];
console.log(`tiny-llama (vocab 430), greedy, 4 sequential requests of up to ${maxTokens} tokens\n`);
console.log("| constraint | tokens | seconds | tokens/s | vs none |");
console.log("|---|---:|---:|---:|---:|");
for (const [mode, r] of rows) {
  const tps = r.tokens / r.seconds;
  const vs = base ? tps / (base.tokens / base.seconds) : 1;
  console.log(
    `| ${mode} | ${r.tokens} | ${r.seconds.toFixed(2)} | ${tps.toFixed(0)} | ${vs.toFixed(2)} |`,
  );
}

const tokenizerJson = JSON.parse(
  readFileSync(join(dir, "tokenizer.json"), "utf8"),
) as TokenizerJson;
const tok = new Tokenizer(tokenizerJson);
/** The test vocabulary padded to `size` with distinct made-up word pieces (letters, digits, punctuation). */
function vocabOf(size: number): ConstraintVocab {
  const pieces: Uint8Array[] = [];
  let seed = 12345;
  const rand = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:;"{}[]';
  const seen = new Set<string>();
  while (pieces.length < size - tok.vocabSize) {
    const len = 1 + rand(3) + rand(4) + rand(4);
    let word = rand(3) === 0 ? " " : "";
    while (word.length < len) word += chars[rand(rand(4) === 0 ? chars.length : 52)] ?? "a";
    if (!seen.has(word)) {
      seen.add(word);
      pieces.push(Buffer.from(word));
    }
  }
  return {
    vocabSize: size,
    tokenBytes: (id) =>
      id < tok.vocabSize ? tok.tokenBytes(id) : (pieces[id - tok.vocabSize] ?? new Uint8Array()),
    specialIds: tok.specialIds,
    encode: (text) => tok.encode(text),
  };
}

/** Mean ms of one restrict() after the constraint has accepted `prefix`. */
function maskMs(vocab: ConstraintVocab, machine: () => JsonByteMachine, prefix: string): number {
  const c = new JsonConstraint(vocab, { prefix: "", suffix: "", eosId, machine });
  for (const id of tok.encode(prefix)) c.accept(id);
  const logits = new Array<number>(vocab.vocabSize).fill(0);
  c.restrict(logits, 400); // builds the vocabulary trie once
  const start = performance.now();
  for (let i = 0; i < 5; i++) c.restrict(logits.fill(0), 400);
  return (performance.now() - start) / 5;
}

const STATES: Array<[string, string]> = [
  ["after `{` (keys)", "{"],
  ["enum value", '{"mood":"'],
  ["number", '{"mood":"sad","count":1'],
  ["inside a free string (worst case)", '{"mood":"sad","count":1,"items":[{"id":2,"label":"ab'],
];
console.log(
  "\nmasking cost per generated token: ms for one restrict over the vocabulary, by state\n",
);
console.log("| vocab | state | any object (JsonMachine) | json_schema (JsonSchemaMachine) |");
console.log("|---:|---|---:|---:|");
const schemaMachine = objectSchemaMachine(schema, "schema");
for (const size of [430, 32_000, 128_000]) {
  const v = vocabOf(size);
  for (const [name, prefix] of STATES) {
    const any = maskMs(v, () => new JsonMachine(), prefix);
    const sch = maskMs(v, schemaMachine, prefix);
    console.log(`| ${size} | ${name} | ${any.toFixed(2)} | ${sch.toFixed(2)} |`);
  }
}
