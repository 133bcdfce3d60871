import { expect } from "chai";
import OpenAI from "openai";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { useLocalNetwork } from "../testbed/local-network.js";

describe("provider.sort through the whole stack (edge → ReserveRequest.sort → scheduler)", function () {
  this.timeout(120_000);
  const net = useLocalNetwork();

  for (const sort of ["throughput", "latency", "price"] as const) {
    it(`serves a chat completion with provider.sort = ${sort}`, async () => {
      const { data, response } = await net.client.chat.completions
        .create({
          model: TEST_MODEL_ID,
          messages: [{ role: "user", content: "Say hi." }],
          max_tokens: 4,
          provider: { sort },
        } as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .withResponse();
      expect(data.model).to.equal(TEST_MODEL_ID);
      expect(data.choices[0]?.message.content).to.be.a("string");
      expect(response.headers.get("x-darkbloom-provider")).to.be.a("string").and.not.equal("");
    });
  }

  it("refuses an unknown sort with a 400 naming provider.sort", async () => {
    const err = await net.client.chat.completions
      .create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "Say hi." }],
        max_tokens: 4,
        provider: { sort: "cheapest" },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).to.equal("provider.sort");
  });
});
