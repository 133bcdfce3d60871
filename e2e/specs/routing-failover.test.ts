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

  const clientOf = (c: RunningCoordinator): OpenAI =>
    new OpenAI({ baseURL: `${c.url}/v1`, apiKey: c.apiKey, maxRetries: 0 });

  /** Two fakes; whichever receives the request first crashes without answering. */
  async function crashingPair(url: string): Promise<{ crashed: () => FakeProvider | undefined }> {
    let crashed: FakeProvider | undefined;
    for (let i = 0; i < 2; i++) {
      const fake: FakeProvider = new FakeProvider({
        url: providerSocketUrl(url),
        models: [TEST_MODEL_ID],
        reply: () => {
          if (crashed) return { pieces: ["still ", "here"] };
          crashed = fake;
          fake.kill();
          return { pieces: [], complete: false };
        },
      });
      fakes.push(fake);
      await fake.connect();
    }
    return { crashed: () => crashed };
  }

  it("re-dispatches to the alternate the edge sealed for, and the consumer gets the whole answer", async () => {
    if (!coordinator) throw new Error("no coordinator");
    const pair = await crashingPair(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    const client = clientOf(coordinator);

    const res = await client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "hello" }],
      max_tokens: 8,
    });

    expect(pair.crashed()).to.be.instanceOf(FakeProvider);
    expect(res.choices[0]?.message.content).to.equal("still here");
    expect(fakes.filter((f) => f.requests.length === 1)).to.have.length(2);
  });

  it("names the provider that answered in a stream's headers, not the one that crashed", async () => {
    if (!coordinator) throw new Error("no coordinator");
    const pair = await crashingPair(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    const client = clientOf(coordinator);

    const { data: stream, response } = await client.chat.completions
      .create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hello" }],
        max_tokens: 8,
        stream: true,
      })
      .withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";

    const crashed = pair.crashed();
    const survivor = fakes.find((f) => f !== crashed && f.requests.length === 1);
    expect(text).to.equal("still here");
    expect(crashed).to.be.instanceOf(FakeProvider);
    expect(survivor, "the request reached the second provider").to.be.instanceOf(FakeProvider);
    expect(response.headers.get("x-darkbloom-provider")).to.equal(survivor?.providerId);
  });
});
