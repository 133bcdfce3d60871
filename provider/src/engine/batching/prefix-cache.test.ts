import { create } from "@bufbuild/protobuf";
import { accountPrefixKey } from "@darkbloom/crypto";
import { type InferenceBody, InferenceBodySchema } from "@darkbloom/proto";
import { expect } from "chai";
import { loadModel } from "../load-model.js";
import type { MlxEngine } from "../mlx-engine.js";
import { collector, testModelDir } from "../test-fixture.js";

const SYSTEM =
  "You are the harbour master's assistant. Answer about tides, boats and weather. ".repeat(6);
const secret = new Uint8Array(32).fill(3);

function body(accountId: string, question: string, maxTokens = 24, system = SYSTEM): InferenceBody {
  return create(InferenceBodySchema, {
    model: "tiny-llama",
    accountId,
    prefixKey: accountPrefixKey(secret, accountId),
    input: {
      case: "chat",
      value: {
        messages: [
          { role: "system", content: system },
          { role: "user", content: question },
        ],
      },
    },
    sampling: { maxTokens, temperature: 0 },
  });
}

describe("prefix KV cache (MlxEngine)", function () {
  this.timeout(60_000);
  let engine: MlxEngine;
  const never = new AbortController().signal;

  before(async () => {
    engine = await loadModel(testModelDir(), { modelId: "tiny-llama" });
  });
  after(() => engine.close());

  async function run(
    b: InferenceBody,
  ): Promise<{ text: string; tokens: number; prefilled: number }> {
    const c = collector();
    const before = engine.prefilledTokens;
    const result = await engine.generate(b, c.onDelta, never);
    expect(result.completionTokens).to.equal(c.tokens());
    return { text: c.text(), tokens: c.tokens(), prefilled: engine.prefilledTokens - before };
  }

  it("reuses a cached prefix: same greedy tokens, fewer prefilled tokens", async () => {
    const question = "When is high water today?";
    const prompt = engine.countPromptTokens(body("acct-a", question));
    expect(prompt).to.be.greaterThan(200);
    // Account b has never sent anything: a cold run, the whole prompt is prefilled.
    const cold = await run(body("acct-b", question));
    expect(cold.prefilled).to.equal(prompt);
    // Account a warms the shared system prompt with another question, then asks the same one.
    await run(body("acct-a", "Is the ferry running?"));
    const warm = await run(body("acct-a", question));
    expect(warm.prefilled).to.be.lessThan(prompt / 2);
    expect(warm.prefilled).to.be.greaterThan(0);
    expect(warm.text).to.equal(cold.text);
    expect(warm.tokens).to.equal(cold.tokens);
  });

  it("never serves one account's blocks to another", async () => {
    const question = "Which berth is free?";
    await run(body("acct-c", question));
    const other = await run(body("acct-d", question));
    expect(other.prefilled).to.equal(engine.countPromptTokens(body("acct-d", question)));
    const again = await run(body("acct-c", question));
    expect(again.prefilled).to.be.lessThan(32);
  });

  it("gives the same tokens on a hit while other sequences decode in the batch", async () => {
    const question = "How strong is the wind at noon?";
    const alone = await run(body("acct-e", question, 30));
    const story = body("acct-f", "Tell me a long story about the sea.", 60);
    const before = engine.prefilledTokens;
    const [hit] = await Promise.all([run(body("acct-e", question, 30)), run(story)]);
    expect(hit?.text).to.equal(alone.text);
    // The story is prefilled whole (another account); the hit only its last partial block.
    expect(engine.prefilledTokens - before).to.be.lessThan(engine.countPromptTokens(story) + 32);
  });

  it("reports the edge's routing hashes for the prefixes it holds, never another account's", async () => {
    const held = (): string[] =>
      (engine.capacity().prefixBlockHashes ?? []).map((h) => Buffer.from(h).toString("hex"));
    const long = SYSTEM.repeat(3);
    await run(body("acct-g", "Where is the lighthouse?", 4, long));
    const g = held();
    expect(g.length).to.be.greaterThan(0);
    await run(body("acct-h", "Where is the lighthouse?", 4, long));
    const h = held().filter((x) => !g.includes(x));
    expect(h.length).to.be.greaterThan(0);
    expect(h.filter((x) => g.includes(x))).to.deep.equal([]);
  });
});
