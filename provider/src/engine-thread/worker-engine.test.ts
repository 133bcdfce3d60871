import { expect } from "chai";
import { loadModel, type MlxEngine } from "../engine/index.js";
import { collector, promptBody, testModelDir } from "../engine/test-fixture.js";
import { WorkerEngine } from "./worker-engine.js";

/** A prompt of roughly `words` tokens for the tiny model. */
const longPrompt = (words: number): string =>
  Array.from({ length: words }, (_, i) => `w${i % 97}`).join(" ");

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 4000 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
}

describe("chunked prefill (MlxEngine)", function () {
  this.timeout(60_000);
  let whole: MlxEngine;
  let chunked: MlxEngine;
  before(async () => {
    whole = await loadModel(testModelDir(), { prefillTokensPerStep: 2048 });
    chunked = await loadModel(testModelDir(), { prefillTokensPerStep: 16 });
  });
  after(() => {
    whole.close();
    chunked.close();
  });

  it("a prompt prefilled in 16-token chunks gets exactly the tokens of one whole prefill", async () => {
    const body = promptBody(longPrompt(60), { maxTokens: 12 });
    const a = collector();
    const b = collector();
    const never = new AbortController().signal;
    const ra = await whole.generate(body, a.onDelta, never);
    const rb = await chunked.generate(body, b.onDelta, never);
    expect(rb.promptTokens).to.be.greaterThan(32);
    expect(b.text()).to.equal(a.text());
    expect(rb).to.deep.equal(ra);
  });

  it("a cancel after the first chunk stops the prefill there", async () => {
    const before = chunked.prefilledTokens;
    const abort = new AbortController();
    // generate() runs the first step (one chunk) before it returns; the cancel lands after it.
    const done = chunked.generate(promptBody(longPrompt(200)), () => undefined, abort.signal);
    abort.abort();
    const r = await done;
    expect(r.finishReason).to.equal("cancelled");
    expect(r.completionTokens).to.equal(0);
    expect(chunked.prefilledTokens - before).to.equal(16);
    expect(r.promptTokens).to.be.greaterThan(100);
  });
});

describe("WorkerEngine (the engine on its own thread)", function () {
  this.timeout(60_000);
  let engine: WorkerEngine;
  let local: MlxEngine;
  before(async () => {
    engine = await WorkerEngine.load(testModelDir(), { modelId: "tiny", prefillTokensPerStep: 8 });
    local = await loadModel(testModelDir(), { modelId: "tiny" });
  });
  after(async () => {
    engine.close();
    local.close();
    await engine.exited;
  });

  it("reports the model's facts and serves the same greedy text as the engine in-thread", async () => {
    expect(engine.modelId).to.equal("tiny");
    expect(engine.contextLength).to.equal(local.contextLength);
    expect(engine.kvBytesPerToken).to.equal(local.kvBytesPerToken);
    expect(engine.templateSelfCheck().ok).to.equal(true);
    const body = promptBody("The quick brown fox", { maxTokens: 10 });
    const a = collector();
    const b = collector();
    const never = new AbortController().signal;
    const ra = await local.generate(body, a.onDelta, never);
    const rb = await engine.generate(body, b.onDelta, never);
    expect(b.text()).to.equal(a.text());
    expect(b.tokens()).to.equal(10);
    expect(rb).to.deep.equal(ra);
  });

  it("keeps this thread's timers running while a long prompt is prefilled", async () => {
    let ticks = 0;
    let ticksAtFirstToken = -1;
    const timer = setInterval(() => ticks++, 1);
    try {
      const r = await engine.generate(
        promptBody(longPrompt(250), { maxTokens: 1 }),
        () => {
          if (ticksAtFirstToken < 0) ticksAtFirstToken = ticks;
        },
        new AbortController().signal,
      );
      expect(r.completionTokens).to.equal(1);
    } finally {
      clearInterval(timer);
    }
    // In-thread, generate() runs the first prefill step synchronously; here timers fired between.
    expect(ticksAtFirstToken).to.be.greaterThan(0);
  });

  it("a cancel during a long prefill frees the engine before the prompt is through", async () => {
    const before = engine.prefilledTokens;
    const abort = new AbortController();
    const done = engine.generate(promptBody(longPrompt(500)), () => undefined, abort.signal);
    await until("the first chunks", () => engine.prefilledTokens > before);
    abort.abort();
    const r = await done;
    expect(r.finishReason).to.equal("cancelled");
    expect(r.completionTokens).to.equal(0);
    await until("the engine to be idle", () => engine.capacity().running === 0);
    expect(engine.prefilledTokens - before).to.be.lessThan(r.promptTokens);
  });

  it("mirrors capacity() from the engine thread, counting a new request at once", async () => {
    const abort = new AbortController();
    const idle = engine.capacity();
    const done = engine.generate(promptBody(longPrompt(500)), () => undefined, abort.signal);
    // Before the engine thread has reported it: counted as waiting (admission relies on it).
    expect(engine.capacity().running + engine.capacity().waiting).to.equal(
      idle.running + idle.waiting + 1,
    );
    await until("a running sequence", () => engine.capacity().running === 1);
    expect(engine.capacity().modelId).to.equal("tiny");
    abort.abort();
    await done;
    await until("no running sequence", () => engine.capacity().running === 0);
  });

  it("maps the engine's errors to EngineError with their code", async () => {
    const err = await engine
      .generate(promptBody(longPrompt(5000)), () => undefined, new AbortController().signal)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).to.have.property("name", "EngineError");
    expect(err).to.have.property("code", "context_overflow");
  });

  it("a failed load is an EngineError and leaves no thread behind", async () => {
    const err = await WorkerEngine.load("/nonexistent/model").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property("code", "load_failed");
  });

  it("close() ends open requests as cancelled and stops the thread", async () => {
    const other = await WorkerEngine.load(testModelDir(), { prefillTokensPerStep: 8 });
    const done = other.generate(
      promptBody(longPrompt(500)),
      () => undefined,
      new AbortController().signal,
    );
    await until("the first chunks", () => other.prefilledTokens > 0);
    other.close();
    expect((await done).finishReason).to.equal("cancelled");
    await other.exited;
    const late = await other
      .generate(promptBody("hi"), () => undefined, new AbortController().signal)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(late).to.have.property("code", "closed");
  });
});
