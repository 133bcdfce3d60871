import Anthropic from "@anthropic-ai/sdk";
import { expect } from "chai";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

const MAX_BODY_BYTES = 256 * 1024;
const UNAFFORDABLE_MAX_TOKENS = 100_000_000;
/** Greedy decoding; this SDK version's types omit `temperature`, the API accepts it. */
const GREEDY = { temperature: 0 };

describe("consumer API, Anthropic shape: POST /v1/messages (official @anthropic-ai/sdk)", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  let client: Anthropic;
  let url = "";

  before(async () => {
    coordinator = await startCoordinator({ DARKBLOOM_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
    provider = await startProvider(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    url = coordinator.url;
    client = new Anthropic({ baseURL: url, apiKey: coordinator.apiKey, maxRetries: 0 });
  });

  after(async () => {
    await provider?.stop();
    await coordinator?.stop();
  });

  const failure = async (p: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(Anthropic.APIError);
    return err as InstanceType<typeof Anthropic.APIError>;
  };

  /** The Anthropic error body: `{type:"error", error:{type, message}}`. */
  const errorType = (err: InstanceType<typeof Anthropic.APIError>): unknown => {
    const body = err.error as { type?: string; error?: { type?: string; message?: string } };
    expect(body.type).to.equal("error");
    expect(body.error?.message).to.be.a("string").and.not.equal("");
    return body.error?.type;
  };

  const messages = [{ role: "user" as const, content: "Tell me about the sea." }];

  it("answers with a message object, a text block, a stop_reason and usage", async () => {
    const res = await client.messages.create({
      model: TEST_MODEL_ID,
      max_tokens: 8,
      system: "You are terse.",
      messages,
      ...GREEDY,
    });
    expect(res.type).to.equal("message");
    expect(res.role).to.equal("assistant");
    expect(res.id).to.match(/^msg_[A-Za-z0-9]{24}$/);
    expect(res.model).to.equal(TEST_MODEL_ID);
    expect(res.content[0]?.type).to.equal("text");
    expect(["end_turn", "max_tokens"]).to.include(res.stop_reason);
    expect(res.usage.input_tokens).to.be.greaterThan(0);
    if (res.stop_reason === "max_tokens") expect(res.usage.output_tokens).to.equal(8);
    else expect(res.usage.output_tokens).to.be.within(1, 8);
  });

  it("takes system text blocks, content blocks, tool_use/tool_result turns and tools", async () => {
    const res = await client.messages.create({
      model: TEST_MODEL_ID,
      max_tokens: 4,
      system: [{ type: "text", text: "You help with weather." }],
      tools: [
        {
          name: "get_weather",
          description: "Weather for a city",
          input_schema: { type: "object", properties: { city: { type: "string" } } },
        },
      ],
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
        {
          role: "assistant",
          content: [
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: '{"celsius":21}' },
            { type: "text", text: "And tomorrow?" },
          ],
        },
      ],
    });
    expect(res.usage.output_tokens).to.be.within(1, 4);
  });

  it("streams message_start … message_stop with the same greedy text and usage", async () => {
    const plain = await client.messages.create({
      model: TEST_MODEL_ID,
      max_tokens: 10,
      messages,
      ...GREEDY,
    });
    const stream = await client.messages.create({
      model: TEST_MODEL_ID,
      max_tokens: 10,
      messages,
      ...GREEDY,
      stream: true,
    });
    const types: string[] = [];
    let text = "";
    let deltas = 0;
    let stopReason: string | null = null;
    let outputTokens = -1;
    let inputTokens: number | null = null;
    let startInputTokens = -1;
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === "message_start") startInputTokens = ev.message.usage.input_tokens;
      if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") {
        text += ev.delta.text;
        deltas++;
      }
      if (ev.type === "message_delta") {
        stopReason = ev.delta.stop_reason;
        outputTokens = ev.usage.output_tokens;
        inputTokens = ev.usage.input_tokens;
      }
    }
    const unique = types.filter((t, i) => t !== types[i - 1]);
    expect(unique).to.deep.equal([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const first = plain.content[0];
    expect(text).to.equal(first?.type === "text" ? first.text : "?");
    expect(stopReason).to.equal(plain.stop_reason);
    expect(outputTokens).to.equal(plain.usage.output_tokens);
    expect(inputTokens).to.equal(plain.usage.input_tokens);
    // The provider counts the prompt before generating: message_start already has the real count.
    expect(startInputTokens).to.equal(plain.usage.input_tokens).and.to.be.greaterThan(0);
    expect(deltas).to.be.within(1, outputTokens);
  });

  it("works with client.messages.stream and its final message", async () => {
    const stream = client.messages.stream({
      model: TEST_MODEL_ID,
      max_tokens: 6,
      messages,
      ...GREEDY,
    });
    let deltas = "";
    stream.on("text", (t) => {
      deltas += t;
    });
    const final = await stream.finalMessage();
    const first = final.content[0];
    expect(first?.type === "text" ? first.text : "?").to.equal(deltas);
    expect(final.usage.output_tokens).to.be.within(1, 6);
    expect(final.usage.input_tokens).to.be.greaterThan(0);
  });

  it("honours stop_sequences: stop_reason stop_sequence names the matched string", async () => {
    const plain = await client.messages.create({
      model: TEST_MODEL_ID,
      max_tokens: 12,
      messages,
      ...GREEDY,
    });
    const first = plain.content[0];
    const text = first?.type === "text" ? first.text : "";
    const stop = text.slice(3, 5);
    if (stop.length < 2) return expect.fail(`greedy text too short: ${JSON.stringify(text)}`);
    const res = await client.messages.create({
      model: TEST_MODEL_ID,
      max_tokens: 12,
      messages,
      ...GREEDY,
      stop_sequences: [stop],
    });
    const block = res.content[0];
    expect(block?.type === "text" ? block.text : "?").to.equal(text.slice(0, text.indexOf(stop)));
    expect(res.stop_reason).to.equal("stop_sequence");
    expect(res.stop_sequence).to.equal(stop);
    const streamed = await client.messages
      .stream({
        model: TEST_MODEL_ID,
        max_tokens: 12,
        messages,
        ...GREEDY,
        stop_sequences: ["never-generated-zq", stop],
      })
      .finalMessage();
    expect(streamed.stop_reason).to.equal("stop_sequence");
    expect(streamed.stop_sequence).to.equal(stop);
    const ended = await client.messages.create({
      model: TEST_MODEL_ID,
      max_tokens: 12,
      messages,
      ...GREEDY,
      stop_sequences: ["never-generated-zq"],
    });
    expect(ended.stop_sequence).to.equal(null);
    expect(ended.stop_reason).not.to.equal("stop_sequence");
  });

  it("refuses a missing max_tokens with 400 invalid_request_error naming the field", async () => {
    const err = await failure(
      client.messages.create({
        model: TEST_MODEL_ID,
        messages,
      } as unknown as Anthropic.MessageCreateParamsNonStreaming),
    );
    expect(err.status).to.equal(400);
    expect(errorType(err)).to.equal("invalid_request_error");
    expect(err.message).to.match(/max_tokens/);
  });

  it("refuses a wrong x-api-key with 401 authentication_error", async () => {
    const bad = new Anthropic({
      baseURL: url,
      apiKey: "db-wrongwrongwrongwrongwrongwrongwr",
      maxRetries: 0,
    });
    const err = await failure(
      bad.messages.create({ model: TEST_MODEL_ID, max_tokens: 4, messages }),
    );
    expect(err.status).to.equal(401);
    expect(errorType(err)).to.equal("authentication_error");
  });

  it("answers an unknown model with 404 not_found_error", async () => {
    const err = await failure(
      client.messages.create({ model: "no-such-model", max_tokens: 4, messages }),
    );
    expect(err.status).to.equal(404);
    expect(errorType(err)).to.equal("not_found_error");
  });

  it("answers an oversized body with 413 request_too_large", async () => {
    const err = await failure(
      client.messages.create({
        model: TEST_MODEL_ID,
        max_tokens: 4,
        messages: [{ role: "user", content: "x".repeat(MAX_BODY_BYTES + 1) }],
      }),
    );
    expect(err.status).to.equal(413);
    expect(errorType(err)).to.equal("request_too_large");
  });

  it("answers a max_tokens the balance cannot cover with 402 billing_error", async () => {
    const err = await failure(
      // Streaming: the SDK refuses such a max_tokens without it; the 402 comes before any event.
      client.messages.create({
        model: TEST_MODEL_ID,
        max_tokens: UNAFFORDABLE_MAX_TOKENS,
        messages,
        stream: true,
      }),
    );
    expect(err.status).to.equal(402);
    expect(errorType(err)).to.equal("billing_error");
  });
});
