import { expect } from "chai";
import OpenAI from "openai";
import { loadModel, type MlxEngine } from "../../engine/index.js";
import { testModelDir } from "../../engine/test-fixture.js";
import { LocalServer } from "./local-server.js";

describe("LocalServer (darkbloom local)", function () {
  this.timeout(60_000);
  let engine: MlxEngine | undefined;
  let server: LocalServer | undefined;
  let client: OpenAI;
  let url = "";

  before(async () => {
    engine = await loadModel(testModelDir(), { modelId: "tiny-llama" });
    server = new LocalServer(new Map([["tiny-llama", engine]]), 16);
    url = await server.listen(0);
    client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0 });
  });
  after(async () => {
    await server?.close();
    engine?.close();
  });

  const request = {
    model: "tiny-llama",
    messages: [{ role: "user" as const, content: "Hello there" }],
    max_tokens: 12,
    temperature: 0,
  };

  it("answers a non-streaming chat completion from the official client with usage", async () => {
    const r = await client.chat.completions.create(request);
    expect(r.object).to.equal("chat.completion");
    expect(r.choices[0]?.message.content).to.be.a("string").and.not.equal("");
    expect(r.usage?.completion_tokens).to.be.within(1, 12);
  });

  it("streams the same greedy text as SSE, ending with usage and [DONE]", async () => {
    const whole = await client.chat.completions.create(request);
    const stream = await client.chat.completions.create({ ...request, stream: true });
    let text = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).to.equal(whole.choices[0]?.message.content);
    expect(finish).to.equal(whole.choices[0]?.finish_reason);
  });

  it("lists its models and answers 404 for an unknown one", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).to.deep.equal(["tiny-llama"]);
    const err = await client.chat.completions
      .create({ ...request, model: "nope" })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OpenAI.NotFoundError);
  });

  it("refuses a body over 4 MiB with 413 request_too_large (the shared body reader)", async () => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...request, pad: "x".repeat(4 * 1024 * 1024) }),
    });
    expect(res.status).to.equal(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).to.equal(
      "request_too_large",
    );
  });
});
