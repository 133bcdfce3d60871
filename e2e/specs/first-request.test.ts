import { expect } from "chai";
import OpenAI from "openai";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { useLocalNetwork } from "../testbed/local-network.js";

describe("the first real request: OpenAI client → coordinator → provider (MLX) → SSE", function () {
  this.timeout(120_000);
  const net = useLocalNetwork();

  const messages = [{ role: "user" as const, content: "Tell me a story about the sea." }];

  it("answers a non-streaming chat completion with model-generated text and usage", async () => {
    const res = await net.client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages,
      max_tokens: 12,
      temperature: 0,
    });
    expect(res.object).to.equal("chat.completion");
    expect(res.model).to.equal(TEST_MODEL_ID);
    const choice = res.choices[0];
    expect(choice?.message.role).to.equal("assistant");
    expect(choice?.message.content).to.be.a("string").and.not.equal("");
    expect(res.usage?.prompt_tokens).to.be.greaterThan(0);
    expect(res.usage?.completion_tokens).to.be.within(1, 12);
    expect(res.usage?.total_tokens).to.equal(
      (res.usage?.prompt_tokens ?? 0) + (res.usage?.completion_tokens ?? 0),
    );
    if (res.usage?.completion_tokens === 12) expect(choice?.finish_reason).to.equal("length");
  });

  it("streams the same greedy text over SSE, with usage in the last chunk", async () => {
    const plain = await net.client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages,
      max_tokens: 12,
      temperature: 0,
    });
    const stream = await net.client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages,
      max_tokens: 12,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let chunks = 0;
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).to.be.greaterThan(2);
    expect(text).to.equal(plain.choices[0]?.message.content);
    expect(finish).to.equal(plain.choices[0]?.finish_reason);
    expect(usage).to.deep.equal(plain.usage);
  });

  it("refuses a wrong API key with 401", async () => {
    const bad = new OpenAI({
      baseURL: `${net.coordinator.url}/v1`,
      apiKey: "db-wrongwrongwrongwrongwrongwrongwr",
      maxRetries: 0,
    });
    const err = await bad.chat.completions
      .create({ model: TEST_MODEL_ID, messages })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).status).to.equal(401);
  });

  it("answers an unknown model with 404 and an OpenAI error body", async () => {
    const err = await net.client.chat.completions
      .create({ model: "no-such-model", messages })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenAI.NotFoundError);
    const e = err as InstanceType<typeof OpenAI.NotFoundError>;
    expect(e.status).to.equal(404);
    expect(e.error).to.deep.include({
      type: "invalid_request_error",
      code: "model_not_found",
      param: "model",
    });
  });

  it("answers a malformed JSON body with 400", async () => {
    const res = await fetch(`${net.coordinator.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${net.coordinator.apiKey}`,
        "content-type": "application/json",
      },
      body: '{"model": "tiny-llama", "messages": [',
    });
    expect(res.status).to.equal(400);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).to.equal("invalid_request_error");
    expect(body.error.message).to.match(/not valid JSON/);
  });

  it("lists the test model as available", async () => {
    const models = await net.client.models.list();
    expect(models.data.map((m) => m.id)).to.include(TEST_MODEL_ID);
  });
});
