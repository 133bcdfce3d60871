import { expect } from "chai";
import OpenAI from "openai";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

describe("a provider that dies mid-stream", function () {
  this.timeout(120_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;

  before(async () => {
    coordinator = await startCoordinator();
    provider = await startProvider(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
  });

  after(async () => {
    await provider?.kill();
    await coordinator?.stop();
  });

  it("ends the consumer's stream with an error instead of hanging", async () => {
    const client = new OpenAI({
      baseURL: `${coordinator?.url}/v1`,
      apiKey: coordinator?.apiKey ?? "",
      maxRetries: 0,
    });
    const request = {
      model: TEST_MODEL_ID,
      messages: [{ role: "user" as const, content: "Count upwards forever." }],
      max_tokens: 4000,
      temperature: 0,
    };
    const stream = await client.chat.completions.create({ ...request, stream: true });
    let received = 0;
    let caught: unknown;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) received++;
        if (received === 3) await provider?.kill();
        if (chunk.choices[0]?.finish_reason)
          expect.fail(
            `stream finished normally (${chunk.choices[0].finish_reason}) after ${received} chunks`,
          );
      }
    } catch (err) {
      caught = err;
    }
    expect(received).to.be.at.least(3);
    expect(caught).to.be.instanceOf(OpenAI.APIError);
    expect(String((caught as Error).message)).to.match(/provider/i);
  });
});
