import { FakeProvider } from "@darkbloom/testing";
import { expect } from "chai";
import OpenAI from "openai";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { startCoordinator, waitForModel, type RunningCoordinator } from "../testbed/testbed.js";

describe("routing failover through the real edge: a provider lost before its first token", function () {
  this.timeout(120_000);
  let coordinator: RunningCoordinator | undefined;
  const fakes: FakeProvider[] = [];

  before(async () => {
    coordinator = await startCoordinator();
  });
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });
  after(async () => {
    await coordinator?.stop();
  });

  it("re-dispatches to the alternate the edge sealed for, and the consumer gets the whole answer", async () => {
    if (!coordinator) throw new Error("no coordinator");
    // Whichever provider receives the request first crashes without answering; the other answers.
    let crashed = false;
    for (let i = 0; i < 2; i++) {
      const fake: FakeProvider = new FakeProvider({
        url: providerSocketUrl(coordinator.url),
        models: [TEST_MODEL_ID],
        reply: () => {
          if (crashed) return { pieces: ["still ", "here"] };
          crashed = true;
          fake.kill();
          return { pieces: [], complete: false };
        },
      });
      fakes.push(fake);
      await fake.connect();
    }
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    const client = new OpenAI({
      baseURL: `${coordinator.url}/v1`,
      apiKey: coordinator.apiKey,
      maxRetries: 0,
    });

    const res = await client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "hello" }],
      max_tokens: 8,
    });

    expect(crashed).to.equal(true);
    expect(res.choices[0]?.message.content).to.equal("still here");
    expect(fakes.filter((f) => f.requests.length === 1)).to.have.length(2);
  });
});
