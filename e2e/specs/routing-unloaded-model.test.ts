import { FakeProvider } from "@darkbloom/testing";
import { SlotState } from "@darkbloom/proto";
import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

interface Status {
  models: Array<{ id: string; state: string }>;
  counters: { served: number; failed: number };
}

describe("routing an unloaded model: a real provider unloads, another provider serves", function () {
  this.timeout(120_000);
  let coordinator: RunningCoordinator | undefined;
  let real: RunningProvider | undefined;
  let home = "";
  const fakes: FakeProvider[] = [];

  before(async () => {
    coordinator = await startCoordinator();
    home = await mkdtemp(path.join(tmpdir(), "darkbloom-unload-"));
  });
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()));
    await real?.stop();
    real = undefined;
  });
  after(async () => {
    await coordinator?.stop();
    await rm(home, { recursive: true, force: true });
  });

  const status = async (): Promise<Status | undefined> => {
    try {
      return JSON.parse(await readFile(path.join(home, "status.json"), "utf8")) as Status;
    } catch {
      return undefined;
    }
  };

  const fakeServing = async (
    url: string,
    pieces: string[],
    runningSequences = 0,
  ): Promise<FakeProvider> => {
    const fake = new FakeProvider({
      url: providerSocketUrl(url),
      models: [TEST_MODEL_ID],
      reply: () => ({ pieces }),
    });
    fakes.push(fake);
    await fake.connect();
    fake.send({
      case: "heartbeat",
      value: {
        slots: [
          {
            modelId: TEST_MODEL_ID,
            state: runningSequences > 0 ? SlotState.RUNNING : SlotState.IDLE,
            running: runningSequences,
            kvCapacityTokens: 1_000_000n,
          },
        ],
      },
    });
    return fake;
  };

  it("after an idle unload the provider gets no request for the model (no 404), the other serves", async () => {
    if (!coordinator) throw new Error("no coordinator");
    real = await startProvider(coordinator.url, {
      home,
      args: ["--unpinned"],
      env: { DARKBLOOM_IDLE_UNLOAD_MS: "1500" },
    });
    // The other provider looks busy (200 running sequences ≈ 10 s of queue wait), so a router
    // that still considered the unloaded provider (cold start ≈ 1 s) would pick it and get a 404.
    const fake = await fakeServing(coordinator.url, ["from ", "the other"], 200);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    // The real provider unloads the model once idle and says so in its next heartbeat.
    for (let i = 0; ; i++) {
      const s = await status();
      if (s && !s.models.some((m) => m.id === TEST_MODEL_ID)) break;
      if (i > 300) throw new Error("the provider never unloaded the model");
      await new Promise((r) => setTimeout(r, 100));
    }
    const client = new OpenAI({
      baseURL: `${coordinator.url}/v1`,
      apiKey: coordinator.apiKey,
      maxRetries: 0,
    });
    for (let i = 0; i < 4; i++) {
      const res = await client.chat.completions.create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: `hello ${i}` }],
        max_tokens: 4,
      });
      expect(res.choices[0]?.message.content).to.equal("from the other");
    }
    expect(fake.requests).to.have.length(4);
    // Old code routed here too: the provider answered 404 (counted failed) before the failover.
    await new Promise((r) => setTimeout(r, 1200));
    expect((await status())?.counters).to.include({ served: 0, failed: 0 });
  });

  it("a provider's 'model not loaded' (404) before its first token fails over to another", async () => {
    if (!coordinator) throw new Error("no coordinator");
    const notLoaded = new FakeProvider({
      url: providerSocketUrl(coordinator.url),
      models: [TEST_MODEL_ID],
      reply: () => ({
        pieces: [],
        error: { statusCode: 404, message: `model ${TEST_MODEL_ID} is not loaded` },
      }),
    });
    fakes.push(notLoaded);
    await notLoaded.connect();
    // The other looks busy, so the idle 404 provider is tried first.
    const other = await fakeServing(coordinator.url, ["served ", "elsewhere"], 200);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    const client = new OpenAI({
      baseURL: `${coordinator.url}/v1`,
      apiKey: coordinator.apiKey,
      maxRetries: 0,
    });
    for (let i = 0; i < 4; i++) {
      const res = await client.chat.completions.create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: `hi ${i}` }],
        max_tokens: 4,
      });
      expect(res.choices[0]?.message.content).to.equal("served elsewhere");
    }
    expect(other.requests).to.have.length(4);
    expect(notLoaded.requests.length, "the 404 provider was tried at least once").to.be.greaterThan(
      0,
    );
  });
});
