import { expect } from "chai";
import OpenAI from "openai";
import { neverEnding, TEST_MODEL_ID } from "../testbed/test-model.js";
import { useLocalNetwork } from "../testbed/local-network.js";

describe("a provider that dies mid-stream", function () {
  this.timeout(120_000);
  const net = useLocalNetwork();

  it("ends the consumer's stream with an error instead of hanging", async () => {
    const request = {
      model: TEST_MODEL_ID,
      messages: [{ role: "user" as const, content: "Count upwards forever." }],
      max_tokens: 4000,
      temperature: 0,
      logit_bias: neverEnding(),
    };
    const stream = await net.client.chat.completions.create({ ...request, stream: true });
    let received = 0;
    let caught: unknown;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) received++;
        if (received === 3) await net.provider.kill();
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
