import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { REPO_ROOT, spawnTs, type Spawned } from "../testbed/child-process.js";
import { ensureQuantizedTestModel } from "../testbed/test-model.js";
import { startCoordinator, waitForModel, type RunningCoordinator } from "../testbed/testbed.js";

const MODEL = "tiny-llama-q4";

/**
 * A model is listed as soon as the provider registers, but stays fenced (404) until the
 * coordinator's model-registry lookup for its weight hash completes: poll until it is routable.
 */
async function routable(client: OpenAI, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 1,
      });
      return;
    } catch (err) {
      if (!(err instanceof OpenAI.NotFoundError) || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe("a provider serving a 4-bit MLX-quantized model through the coordinator", function () {
  this.timeout(120_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: Spawned | undefined;
  let home: string | undefined;
  let client: OpenAI;

  before(async () => {
    const modelDir = await ensureQuantizedTestModel(MODEL);
    coordinator = await startCoordinator();
    home = await mkdtemp(path.join(tmpdir(), "darkbloom-provider-q4-"));
    provider = spawnTs(
      path.join(REPO_ROOT, "provider/src/cli/main.ts"),
      ["start", "--coordinator", coordinator.url, "--model", modelDir],
      { DARKBLOOM_HOME: home, LOG_LEVEL: "warn" },
    );
    await provider.waitFor(/provider serving/, 60_000);
    await waitForModel(coordinator.url, coordinator.apiKey, MODEL);
    client = new OpenAI({
      baseURL: `${coordinator.url}/v1`,
      apiKey: coordinator.apiKey,
      maxRetries: 0,
    });
    await routable(client);
  });

  after(async () => {
    await provider?.stop();
    await coordinator?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const messages = [{ role: "user" as const, content: "Tell me a story about the sea." }];

  it("lists the quantized model and answers a greedy chat completion with generated text", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).to.include(MODEL);
    const res = await client.chat.completions.create({
      model: MODEL,
      messages,
      max_tokens: 10,
      temperature: 0,
    });
    expect(res.model).to.equal(MODEL);
    expect(res.choices[0]?.message.content).to.be.a("string").and.not.equal("");
    expect(res.usage?.completion_tokens).to.be.within(1, 10);
  });

  it("streams exactly the text of the non-streaming greedy answer", async () => {
    const plain = await client.chat.completions.create({
      model: MODEL,
      messages,
      max_tokens: 10,
      temperature: 0,
    });
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages,
      max_tokens: 10,
      temperature: 0,
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).to.equal(plain.choices[0]?.message.content);
  });
});
