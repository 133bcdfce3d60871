// A Mistral-type model with a SentencePiece-style byte-fallback tokenizer (`tiny-mistral-sp`)
// loads through loadModel, renders its [INST] template into the right ids, and generates.
import { expect } from "chai";
import { mistralSpTestModelDir } from "../../test-model/variants.js";
import { loadModel } from "./load-model.js";
import type { MlxEngine } from "./mlx-engine.js";
import { chatBody, collector } from "./test-fixture.js";

describe("SentencePiece-tokenized model (tiny-mistral-sp)", function () {
  this.timeout(60_000);
  let engine: MlxEngine;
  const never = new AbortController().signal;

  before(async () => {
    engine = await loadModel(mistralSpTestModelDir(), { modelId: "tiny-mistral-sp" });
  });
  after(() => engine.close());

  it("loads with the sentencepiece tokenizer and </s> as end of sequence", () => {
    expect(engine.tokenizer.kind).to.equal("sentencepiece");
    expect(engine.tokenizer.tokenId("</s>")).to.equal(2);
    expect(engine.templateSelfCheck()).to.include({ ok: true });
  });

  it("renders the chat template and encodes <s>, [INST] and [/INST] as single tokens", () => {
    const body = chatBody("Hello world");
    const prompt = engine.renderPrompt(body);
    expect(prompt).to.equal("<s>[INST] Hello world [/INST]");
    // Segments after a special token get the legacy ▁ prefix: " Hello world " -> "▁▁Hello▁world▁".
    expect(engine.tokenizer.encode(prompt)).to.deep.equal([
      1,
      3,
      337 + 34,
      337 + 18,
      337 + 15,
      261,
      4,
    ]);
    expect(engine.countPromptTokens(body)).to.equal(7);
  });

  it("generates deterministically (greedy), with honest usage, across non-ASCII prompts", async () => {
    const run = async (text: string) => {
      const c = collector();
      const r = await engine.generate(chatBody(text, { maxTokens: 16 }), c.onDelta, never);
      return { text: c.text(), tokens: c.tokens(), result: r };
    };
    const a = await run("Déjà vu — 日本語 and the weather?");
    const b = await run("Déjà vu — 日本語 and the weather?");
    expect(a).to.deep.equal(b);
    expect(a.result.completionTokens).to.equal(a.tokens);
    expect(a.tokens).to.be.within(1, 16);
    const c = await run("Hello world");
    expect(c.result.promptTokens).to.equal(7);
  });

  it("streams a first word without the space its ▁ marks, as decode() does", async () => {
    // "▁world": a piece that carries the space marker of the word it starts.
    const first = engine.tokenizer.encode("Hello world").at(-1) ?? -1;
    const c = collector();
    await engine.generate(
      chatBody("Hi", { maxTokens: 1, logitBias: { [first]: 100 } }),
      c.onDelta,
      never,
    );
    expect(c.text()).to.equal(engine.tokenizer.decode([first]));
    expect(c.text()).to.equal("world");
  });
});
