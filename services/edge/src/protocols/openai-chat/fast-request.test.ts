import { expect } from "chai";
import { fastChatRequest } from "./fast-request.js";
import { chatRequestSchema, parseChatRequest } from "./request.js";

const user = { role: "user", content: "hi" };
const base = { model: "m", messages: [user] };

// Bodies the fast check must take as the schema would, and bodies it must leave to the schema.
const TAKEN: Record<string, unknown>[] = [
  base,
  {
    ...base,
    messages: [
      { role: "system", content: "be brief", name: "s" },
      { role: "developer", content: "" },
      user,
      { role: "assistant", content: "hello" },
    ],
    stream: true,
    max_tokens: 16,
    max_completion_tokens: 100_000_000,
    temperature: 0,
    top_p: 1,
    user: "u-1",
    stream_options: { include_usage: true },
    stop: ["a", "b", "c", "d"],
    n: 1,
  },
  { ...base, stream: null, max_tokens: null, temperature: 2, top_p: null, stop: "x", n: null },
  { ...base, stream_options: null, stop: null },
  { ...base, stream_options: {} },
  { model: "x".repeat(256), messages: [user] },
];

const LEFT: Record<string, unknown>[] = [
  {},
  { model: "m" },
  { messages: [user] },
  { ...base, model: "" },
  { ...base, model: "x".repeat(257) },
  { ...base, model: 7 },
  { ...base, messages: [] },
  { ...base, messages: "hi" },
  { ...base, messages: [null] },
  { ...base, messages: [[user]] },
  { ...base, messages: [{ role: "user" }] },
  { ...base, messages: [{ role: "assistant" }] },
  { ...base, messages: [{ role: "user", content: null }] },
  { ...base, messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] },
  { ...base, messages: [{ role: "tool", content: "x", tool_call_id: "t" }] },
  { ...base, messages: [{ role: "robot", content: "x" }] },
  { ...base, messages: [{ role: "user", content: "x", name: 3 }] },
  { ...base, messages: [{ role: "user", content: "x", extra: 1 }] },
  { ...base, messages: [{ role: "assistant", content: "x", tool_calls: [] }] },
  { ...base, stream: "yes" },
  { ...base, max_tokens: 0 },
  { ...base, max_tokens: 1.5 },
  { ...base, max_tokens: 100_000_001 },
  { ...base, max_completion_tokens: -1 },
  { ...base, temperature: 2.5 },
  { ...base, temperature: -0.1 },
  { ...base, top_p: 0 },
  { ...base, top_p: 1.1 },
  { ...base, user: null },
  { ...base, stream_options: { include_usage: "yes" } },
  { ...base, stream_options: { other: true } },
  { ...base, stream_options: [] },
  { ...base, stop: ["a", "b", "c", "d", "e"] },
  { ...base, stop: [1] },
  { ...base, n: 2 },
  { ...base, seed: 1 },
  { ...base, tools: [] },
  { ...base, response_format: { type: "text" } },
  { ...base, logit_bias: {} },
  { ...base, unknown_field: 1 },
  JSON.parse(
    '{"model":"m","messages":[{"role":"user","content":"x"}],"__proto__":{"a":1}}',
  ) as Record<string, unknown>,
];

describe("the chat request checked without zod", () => {
  it("takes the common bodies exactly as the schema returns them", () => {
    for (const body of TAKEN) {
      const fast = fastChatRequest(body);
      expect(fast, JSON.stringify(body)).to.not.equal(undefined);
      expect(fast).to.deep.equal(chatRequestSchema.parse(body));
    }
  });

  it("leaves every other body to the schema, which still writes the same 400s", () => {
    for (const body of LEFT)
      expect(fastChatRequest(body), JSON.stringify(body)).to.equal(undefined);
    expect(() => parseChatRequest({ ...base, temperature: 2.5 }))
      .to.throw()
      .with.property("param", "temperature");
    expect(() => parseChatRequest({ ...base, messages: [] }))
      .to.throw()
      .with.property("param", "messages");
  });

  it("is never more permissive than the schema", () => {
    for (const body of [...TAKEN, ...LEFT]) {
      if (fastChatRequest(body) !== undefined)
        expect(chatRequestSchema.safeParse(body).success, JSON.stringify(body)).to.equal(true);
    }
  });
});
