// A provider busy with a long prefill at real model size stays connected and answers a cancel.
// MLX evaluates synchronously: before the engine ran on its own thread (provider/src/engine-thread),
// a prefill at this size held the provider's event loop for tens of seconds on CPU, so no heartbeat
// went out, the coordinator closed the session as silent and failed the request with a 502.
// Here the coordinator counts a provider gone after 4 s of silence; the prompt is prefilled in
// 4-token chunks (DARKBLOOM_PREFILL_TOKENS_PER_STEP), each taking seconds at this size.
import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT, spawnTs, type Spawned } from "../testbed/child-process.js";
import { ensureRealSizeModel } from "../testbed/test-model.js";
import { startCoordinator, waitForModel, type RunningCoordinator } from "../testbed/testbed.js";

const MODEL = "qwen2.5-0.5b-q4";
const LIVENESS_MS = 4_000;

describe("a provider prefilling a long prompt at real size", function () {
  this.timeout(300_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: Spawned | undefined;
  let home: string | undefined;

  before(async function () {
    this.timeout(900_000);
    const modelDir = await ensureRealSizeModel("qwen2.5-0.5b", "q4");
    coordinator = await startCoordinator({
      DARKBLOOM_HEARTBEAT_INTERVAL_MS: "500",
      DARKBLOOM_PROVIDER_LIVENESS_TIMEOUT_MS: String(LIVENESS_MS),
      LOG_LEVEL: "info",
    });
    home = await mkdtemp(path.join(tmpdir(), "darkbloom-provider-busy-"));
    provider = spawnTs(
      path.join(REPO_ROOT, "provider/src/cli/main.ts"),
      ["start", "--coordinator", coordinator.url, "--model", modelDir],
      { DARKBLOOM_HOME: home, LOG_LEVEL: "info", DARKBLOOM_PREFILL_TOKENS_PER_STEP: "4" },
    );
    await provider.waitFor(/provider serving/, 180_000);
    await waitForModel(coordinator.url, coordinator.apiKey, MODEL);
  });

  after(async () => {
    await provider?.stop();
    await coordinator?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const completion = (prompt: string, signal?: AbortSignal): Promise<Response> =>
    fetch(`${(coordinator as RunningCoordinator).url}/v1/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${(coordinator as RunningCoordinator).apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ model: MODEL, prompt, max_tokens: 1, temperature: 0, stream: true }),
      ...(signal ? { signal } : {}),
    });

  it("keeps heartbeating through the prefill, and a cancel frees it for the next request", async () => {
    const abort = new AbortController();
    // ~60 prompt tokens: 15 chunks of several seconds each.
    const prompt = "The quick brown fox jumps over the lazy dog. ".repeat(6);
    let outcome = "open";
    const long = completion(prompt, abort.signal)
      .then(async (res) => {
        if (res.status !== 200) return void (outcome = `HTTP ${res.status}: ${await res.text()}`);
        const text = await res.text();
        outcome = text.includes('"error"') ? `error event: ${text}` : `finished: ${text}`;
      })
      .catch((err: unknown) => {
        if (!abort.signal.aborted) outcome = `failed: ${String(err)}`;
      });
    // Three liveness windows of a busy provider: long enough for the coordinator to have declared
    // a silent provider gone (and failed this request) had the provider stopped heartbeating.
    await new Promise((r) => setTimeout(r, 3 * LIVENESS_MS));
    expect(outcome).to.equal("open");
    abort.abort();
    await long;
    // The cancel reaches the provider at once and ends the prefill at the next chunk: a short
    // request is then served by the same, still-connected provider.
    const next = await completion("Hi");
    expect(next.status).to.equal(200);
    const body = await next.text();
    expect(body).to.include("[DONE]");
    expect(body).to.not.include('"error"');
    const log = (coordinator as RunningCoordinator).process.output();
    expect(log).to.not.include("provider went silent");
  });
});
