import { expect } from "chai";
import OpenAI from "openai";
import { neverEnding, TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

const MAX_BODY_BYTES = 256 * 1024;
/** Far more output than the $10 starting credit can cover at the default price. */
const UNAFFORDABLE_MAX_TOKENS = 100_000_000;

describe("consumer API, OpenAI shapes: completions, responses, chat (official openai client)", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  let client: OpenAI;
  let url = "";

  before(async () => {
    coordinator = await startCoordinator({ DARKBLOOM_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
    provider = await startProvider(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    url = coordinator.url;
    client = new OpenAI({ baseURL: `${url}/v1`, apiKey: coordinator.apiKey, maxRetries: 0 });
  });

  after(async () => {
    await provider?.stop();
    await coordinator?.stop();
  });

  const failure = async (p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(OpenAI.APIError);
    return err as InstanceType<typeof OpenAI.APIError>;
  };

  describe("POST /v1/completions", () => {
    const prompt = "Once upon a time";

    it("completes a prompt with a text_completion object and usage equal to the tokens generated", async () => {
      const res = await client.completions.create({
        model: TEST_MODEL_ID,
        prompt,
        max_tokens: 8,
        temperature: 0,
        seed: 7,
      });
      expect(res.object).to.equal("text_completion");
      expect(res.id).to.match(/^cmpl-/);
      expect(res.model).to.equal(TEST_MODEL_ID);
      const choice = res.choices[0];
      expect(choice?.index).to.equal(0);
      expect(choice?.text).to.be.a("string");
      expect(["stop", "length"]).to.include(choice?.finish_reason);
      expect(res.usage?.prompt_tokens).to.be.greaterThan(0);
      if (choice?.finish_reason === "length") expect(res.usage?.completion_tokens).to.equal(8);
      else expect(res.usage?.completion_tokens).to.be.within(1, 8);
      expect(res.usage?.total_tokens).to.equal(
        (res.usage?.prompt_tokens ?? 0) + (res.usage?.completion_tokens ?? 0),
      );
    });

    it("counts exactly the tokens generated: greedy text for k tokens is the prefix of 2k tokens", async () => {
      const short = await client.completions.create({
        model: TEST_MODEL_ID,
        prompt: [prompt],
        max_tokens: 4,
        temperature: 0,
      });
      const long = await client.completions.create({
        model: TEST_MODEL_ID,
        prompt: [prompt],
        max_tokens: 8,
        temperature: 0,
      });
      expect(long.choices[0]?.text.startsWith(short.choices[0]?.text ?? "?")).to.equal(true);
      expect(short.usage?.prompt_tokens).to.equal(long.usage?.prompt_tokens);
      if (long.choices[0]?.finish_reason === "length") {
        expect(short.usage?.completion_tokens).to.equal(4);
        expect(long.usage?.completion_tokens).to.equal(8);
      }
    });

    it("streams the same greedy text, with include_usage usage in a final choices-less chunk", async () => {
      const plain = await client.completions.create({
        model: TEST_MODEL_ID,
        prompt,
        max_tokens: 10,
        temperature: 0,
      });
      const stream = await client.completions.create({
        model: TEST_MODEL_ID,
        prompt,
        max_tokens: 10,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let textChunks = 0;
      let finish: string | null | undefined;
      let usage: OpenAI.CompletionUsage | undefined;
      let last: OpenAI.Completion | undefined;
      for await (const chunk of stream) {
        expect(chunk.object).to.equal("text_completion");
        last = chunk;
        const c = chunk.choices[0];
        if (c?.text) {
          text += c.text;
          textChunks++;
        }
        finish = c?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).to.equal(plain.choices[0]?.text);
      expect(finish).to.equal(plain.choices[0]?.finish_reason);
      expect(usage).to.deep.include(plain.usage);
      expect(last?.choices).to.deep.equal([]);
      expect(last?.usage).to.not.equal(undefined);
      // Each streamed text piece is at least one generated token.
      expect(textChunks).to.be.within(1, usage?.completion_tokens ?? 0);
    });

    it("honours stop: the stop string never appears and the choice finishes with stop", async () => {
      const plain = await client.completions.create({
        model: TEST_MODEL_ID,
        prompt,
        max_tokens: 12,
        temperature: 0,
      });
      const text = plain.choices[0]?.text ?? "";
      const stop = text.slice(3, 5);
      if (stop.length < 2)
        return expect.fail(`greedy text too short to pick a stop string: ${JSON.stringify(text)}`);
      const stopped = await client.completions.create({
        model: TEST_MODEL_ID,
        prompt,
        max_tokens: 12,
        temperature: 0,
        stop: [stop],
      });
      expect(stopped.choices[0]?.text).to.equal(text.slice(0, text.indexOf(stop)));
      expect(stopped.choices[0]?.finish_reason).to.equal("stop");
    });

    it("refuses several prompts with 400 naming prompt", async () => {
      const err = await failure(
        client.completions.create({ model: TEST_MODEL_ID, prompt: ["a", "b"], max_tokens: 4 }),
      );
      expect(err.status).to.equal(400);
      expect(err.param).to.equal("prompt");
    });

    it("answers an unknown model with 404", async () => {
      const err = await failure(
        client.completions.create({ model: "no-such-model", prompt, max_tokens: 4 }),
      );
      expect(err.status).to.equal(404);
      expect(err.code).to.equal("model_not_found");
    });

    it("answers a max_tokens the balance cannot cover with 402", async () => {
      const err = await failure(
        client.completions.create({
          model: TEST_MODEL_ID,
          prompt,
          max_tokens: UNAFFORDABLE_MAX_TOKENS,
        }),
      );
      expect(err.status).to.equal(402);
      expect(err.type).to.equal("insufficient_quota");
    });
  });

  describe("POST /v1/responses", () => {
    it("answers string input with a completed or incomplete response, output_text and usage", async () => {
      const res = await client.responses.create({
        model: TEST_MODEL_ID,
        input: "Tell me about the sea.",
        instructions: "You are terse.",
        max_output_tokens: 8,
        temperature: 0,
      });
      expect(res.object).to.equal("response");
      expect(res.id).to.match(/^resp_[A-Za-z0-9]{24}$/);
      expect(res.model).to.equal(TEST_MODEL_ID);
      expect(res.instructions).to.equal("You are terse.");
      const item = res.output[0];
      expect(item?.type).to.equal("message");
      if (item?.type !== "message") return;
      expect(item.role).to.equal("assistant");
      expect(item.content[0]?.type).to.equal("output_text");
      expect(res.output_text).to.be.a("string");
      expect(res.usage?.input_tokens).to.be.greaterThan(0);
      expect(res.usage?.total_tokens).to.equal(
        (res.usage?.input_tokens ?? 0) + (res.usage?.output_tokens ?? 0),
      );
      if (res.status === "incomplete") {
        expect(res.incomplete_details?.reason).to.equal("max_output_tokens");
        expect(res.usage?.output_tokens).to.equal(8);
      } else expect(res.status).to.equal("completed");
    });

    it("takes message items with input_text/output_text parts and function_call items", async () => {
      const res = await client.responses.create({
        model: TEST_MODEL_ID,
        max_output_tokens: 4,
        tools: [
          {
            type: "function",
            name: "get_weather",
            description: "Weather for a city",
            parameters: { type: "object", properties: { city: { type: "string" } } },
            strict: false,
          },
        ],
        input: [
          { role: "developer", content: "Answer briefly." },
          { role: "user", content: [{ type: "input_text", text: "Weather in Paris?" }] },
          {
            type: "function_call",
            call_id: "call_1",
            name: "get_weather",
            arguments: '{"city":"Paris"}',
          },
          { type: "function_call_output", call_id: "call_1", output: '{"celsius":21}' },
          {
            type: "message",
            id: "msg_earlier",
            status: "completed",
            role: "assistant",
            content: [{ type: "output_text", text: "It is 21 °C.", annotations: [] }],
          },
          { role: "user", content: "Thanks!" },
        ],
      });
      expect(["completed", "incomplete"]).to.include(res.status);
      expect(res.tools[0]).to.deep.include({ type: "function", name: "get_weather" });
      expect(res.usage?.output_tokens).to.be.within(1, 4);
    });

    it("streams the documented event sequence with increasing sequence numbers", async () => {
      const plain = await client.responses.create({
        model: TEST_MODEL_ID,
        input: "Hello",
        max_output_tokens: 10,
        temperature: 0,
      });
      const stream = await client.responses.create({
        model: TEST_MODEL_ID,
        input: "Hello",
        max_output_tokens: 10,
        temperature: 0,
        stream: true,
      });
      const types: string[] = [];
      const seqs: number[] = [];
      let text = "";
      let final: OpenAI.Responses.Response | undefined;
      for await (const ev of stream) {
        types.push(ev.type);
        seqs.push(ev.sequence_number);
        if (ev.type === "response.output_text.delta") text += ev.delta;
        if (ev.type === "response.completed" || ev.type === "response.incomplete")
          final = ev.response;
      }
      const unique = types.filter((t, i) => t !== types[i - 1]);
      expect(unique).to.deep.equal([
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        `response.${plain.status}`,
      ]);
      expect(seqs).to.deep.equal(seqs.map((_, i) => i));
      expect(text).to.equal(plain.output_text);
      expect(final?.usage).to.deep.equal(plain.usage);
      expect(final?.output).to.have.length(1);
    });

    it("works with client.responses.stream and its final response", async () => {
      const stream = client.responses.stream({
        model: TEST_MODEL_ID,
        input: "Hi",
        max_output_tokens: 6,
        temperature: 0,
      });
      let deltas = "";
      stream.on("response.output_text.delta", (e) => {
        deltas += e.delta;
      });
      const final = await stream.finalResponse();
      expect(final.output_text).to.equal(deltas);
      expect(final.usage?.output_tokens).to.be.within(1, 6);
    });

    it("refuses a bad field with 400 naming param", async () => {
      const err = await failure(
        client.responses.create({ model: TEST_MODEL_ID, input: "x", temperature: 5 }),
      );
      expect(err.status).to.equal(400);
      expect(err.param).to.equal("temperature");
    });

    it("answers an unknown model with 404 and a max_output_tokens the balance cannot cover with 402", async () => {
      expect(
        (await failure(client.responses.create({ model: "no-such-model", input: "x" }))).status,
      ).to.equal(404);
      const poor = await failure(
        client.responses.create({
          model: TEST_MODEL_ID,
          input: "x",
          max_output_tokens: UNAFFORDABLE_MAX_TOKENS,
        }),
      );
      expect(poor.status).to.equal(402);
    });

    it("refuses a wrong key with 401 and an oversized body with 413", async () => {
      const bad = new OpenAI({
        baseURL: `${url}/v1`,
        apiKey: "db-wrongwrongwrongwrongwrongwrongwr",
        maxRetries: 0,
      });
      expect(
        (await failure(bad.responses.create({ model: TEST_MODEL_ID, input: "x" }))).status,
      ).to.equal(401);
      const huge = await failure(
        client.responses.create({ model: TEST_MODEL_ID, input: "x".repeat(MAX_BODY_BYTES + 1) }),
      );
      expect(huge.status).to.equal(413);
    });
  });

  describe("POST /v1/chat/completions", () => {
    it("accepts content-part arrays, developer/system/tool roles and max_completion_tokens", async () => {
      const res = await client.chat.completions.create({
        model: TEST_MODEL_ID,
        max_completion_tokens: 5,
        messages: [
          { role: "developer", content: [{ type: "text", text: "Be brief." }] },
          { role: "system", content: "You help with weather." },
          {
            role: "user",
            content: [
              { type: "text", text: "Weather " },
              { type: "text", text: "in Paris?" },
            ],
          },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: "call_1",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Paris"}' },
              },
            ],
          },
          { role: "tool", tool_call_id: "call_1", content: '{"celsius":21}' },
        ],
      });
      expect(res.usage?.completion_tokens).to.be.within(1, 5);
      if (res.choices[0]?.finish_reason === "length")
        expect(res.usage?.completion_tokens).to.equal(5);
    });

    it("refuses n > 1 with 400 naming n", async () => {
      const err = await failure(
        client.chat.completions.create({
          model: TEST_MODEL_ID,
          n: 2,
          messages: [{ role: "user", content: "hi" }],
        }),
      );
      expect(err.status).to.equal(400);
      expect(err.param).to.equal("n");
    });

    it("applies logit_bias: banning the end-of-sequence token runs to max_tokens, streamed or not", async () => {
      const request = {
        model: TEST_MODEL_ID,
        messages: [{ role: "user" as const, content: "Go on." }],
        max_tokens: 300,
        temperature: 0,
      };
      const free = await client.chat.completions.create(request);
      expect(free.choices[0]?.finish_reason, "greedy ends at EOS without a bias").to.equal("stop");
      const biased = await client.chat.completions.create({
        ...request,
        logit_bias: neverEnding(),
      });
      expect(biased.choices[0]?.finish_reason).to.equal("length");
      expect(biased.usage?.completion_tokens).to.equal(300);
      const stream = await client.completions.create({
        model: TEST_MODEL_ID,
        prompt: "Once",
        max_tokens: 300,
        logit_bias: neverEnding(),
        stream: true,
        stream_options: { include_usage: true },
      });
      let finish: string | null | undefined;
      let completionTokens = 0;
      for await (const chunk of stream) {
        finish = chunk.choices[0]?.finish_reason ?? finish;
        completionTokens = chunk.usage?.completion_tokens ?? completionTokens;
      }
      expect(finish).to.equal("length");
      expect(completionTokens).to.equal(300);
    });

    it("refuses a logit_bias outside -100..100 or with a non-integer key (400 naming logit_bias), and a token the model lacks", async () => {
      const base = { model: TEST_MODEL_ID, messages: [{ role: "user" as const, content: "hi" }] };
      const tooStrong = await failure(
        client.chat.completions.create({ ...base, logit_bias: { "5": 101 } }),
      );
      expect(tooStrong.status).to.equal(400);
      expect(tooStrong.param).to.match(/^logit_bias/);
      const notAnId = await failure(
        client.chat.completions.create({ ...base, logit_bias: { hello: 1 } }),
      );
      expect(notAnId.status).to.equal(400);
      expect(notAnId.param).to.match(/^logit_bias/);
      const unknownToken = await failure(
        client.chat.completions.create({ ...base, logit_bias: { "1000000": -1 } }),
      );
      expect(unknownToken.status).to.equal(400);
      expect(unknownToken.message).to.match(/vocabulary/);
    });

    it("refuses an image content part with 400 naming the message content", async () => {
      const err = await failure(
        client.chat.completions.create({
          model: TEST_MODEL_ID,
          messages: [
            {
              role: "user",
              content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }],
            },
          ],
        }),
      );
      expect(err.status).to.equal(400);
      expect(err.param).to.match(/^messages\.0\.content/);
    });

    it("answers a prompt longer than the model's context with 422", async () => {
      const err = await failure(
        client.chat.completions.create({
          model: TEST_MODEL_ID,
          max_tokens: 4,
          messages: [{ role: "user", content: "x ".repeat(3000) }],
        }),
      );
      expect(err).to.be.instanceOf(OpenAI.UnprocessableEntityError);
      expect(err.status).to.equal(422);
      expect(err.message).to.match(/context/);
    });

    it("answers a max_tokens the balance cannot cover with 402 and an oversized body with 413", async () => {
      const poor = await failure(
        client.chat.completions.create({
          model: TEST_MODEL_ID,
          max_tokens: UNAFFORDABLE_MAX_TOKENS,
          messages: [{ role: "user", content: "hi" }],
        }),
      );
      expect(poor.status).to.equal(402);
      const huge = await failure(
        client.chat.completions.create({
          model: TEST_MODEL_ID,
          messages: [{ role: "user", content: "x".repeat(MAX_BODY_BYTES + 1) }],
        }),
      );
      expect(huge.status).to.equal(413);
    });
  });
});
