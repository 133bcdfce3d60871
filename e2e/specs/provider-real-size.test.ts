// A real-size model served end to end: a random-weight checkpoint with Qwen2.5-0.5B-Instruct's
// exact config, 4-bit in the mlx-community layout, with the real Qwen tokenizer, through a real
// coordinator and a real provider process. CPU MLX is slow at this size: a few tokens only.
import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { REPO_ROOT, spawnTs, type Spawned } from "../testbed/child-process.js";
import { ensureRealSizeModel } from "../testbed/test-model.js";
import { startCoordinator, waitForModel, type RunningCoordinator } from "../testbed/testbed.js";

const MODEL = "qwen2.5-0.5b-q4";

async function routable(client: OpenAI, timeoutMs = 120_000): Promise<void> {
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
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

describe("a provider serving a real-size 4-bit checkpoint (Qwen2.5-0.5B-Instruct's config)", function () {
  this.timeout(300_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: Spawned | undefined;
  let home: string | undefined;
  let client: OpenAI;

  before(async function () {
    // Generating the 278 MB checkpoint takes minutes the first time; later runs reuse it.
    this.timeout(900_000);
    const modelDir = await ensureRealSizeModel("qwen2.5-0.5b", "q4");
    // A forward pass at this size holds the provider's event loop for seconds on a busy CPU (no
    // heartbeat meanwhile): give the provider longer than the default 30 s before it counts as gone.
    coordinator = await startCoordinator({ DARKBLOOM_PROVIDER_LIVENESS_TIMEOUT_MS: "240000" });
    home = await mkdtemp(path.join(tmpdir(), "darkbloom-provider-real-size-"));
    provider = spawnTs(
      path.join(REPO_ROOT, "provider/src/cli/main.ts"),
      ["start", "--coordinator", coordinator.url, "--model", modelDir],
      { DARKBLOOM_HOME: home, LOG_LEVEL: "warn" },
    );
    await provider.waitFor(/provider serving/, 180_000);
    await waitForModel(coordinator.url, coordinator.apiKey, MODEL);
    client = new OpenAI({
      baseURL: `${coordinator.url}/v1`,
      apiKey: coordinator.apiKey,
      maxRetries: 0,
      timeout: 280_000,
    });
    await routable(client);
  });

  after(async () => {
    await provider?.stop();
    await coordinator?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("streams a greedy chat completion of exactly max_tokens tokens with usage", async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Name a colour." }],
      max_tokens: 3,
      temperature: 0,
      // Random weights may pick an end token; banning the ends keeps the length exact.
      logit_bias: { "151643": -100, "151645": -100 },
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined | null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.model).to.equal(MODEL);
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(chunks).to.be.greaterThan(1);
    expect(finish).to.equal("length");
    expect(usage?.completion_tokens).to.equal(3);
    // The Qwen chat template around "Name a colour." with the real tokenizer.
    expect(usage?.prompt_tokens).to.equal(12);
    expect(text).to.be.a("string");
  });
});
