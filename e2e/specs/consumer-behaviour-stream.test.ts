import { readFileSync } from "node:fs";
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

const TIMING =
  /^auth;dur=[\d.]+, reserve;dur=[\d.]+, dispatch;dur=[\d.]+, ttft;dur=[\d.]+, generation;dur=[\d.]+, total;dur=[\d.]+$/;

describe("consumer API behaviour: streams, timing, generation ids, routing preferences, models", function () {
  this.timeout(120_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  let client: OpenAI;
  let url = "";

  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${coordinator?.apiKey ?? ""}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    });
  const chat = (extra: Record<string, unknown> = {}) => ({
    model: TEST_MODEL_ID,
    messages: [{ role: "user", content: "Tell me about rivers." }],
    max_tokens: 8,
    temperature: 0,
    ...extra,
  });

  before(async () => {
    // Keep-alive after 1 ms of silence, so the wait for the first token always carries one.
    coordinator = await startCoordinator({ DARKBLOOM_SSE_KEEP_ALIVE_MS: "1" });
    url = coordinator.url;
    provider = await startProvider(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    client = new OpenAI({ baseURL: `${url}/v1`, apiKey: coordinator.apiKey, maxRetries: 0 });
  });

  after(async () => {
    await provider?.stop();
    await coordinator?.stop();
  });

  it("a non-streaming response carries X-Timing, a generation id equal to its id, and what served it", async () => {
    const res = await post("/v1/chat/completions", chat());
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { id: string; model: string };
    expect(res.headers.get("x-darkbloom-generation-id")).to.equal(body.id);
    expect(res.headers.get("x-timing")).to.match(TIMING);
    expect(res.headers.get("x-darkbloom-provider")).to.be.a("string").and.not.equal("");
    expect(res.headers.get("x-darkbloom-trust-level")).to.be.a("string");
    expect(res.headers.get("x-darkbloom-key-fingerprint")).to.match(/^[0-9a-f]{32}$/);
  });

  it("a stream ends with usage and cost although include_usage was not asked, then x-timing and [DONE]", async () => {
    const res = await post("/v1/chat/completions", chat({ stream: true }));
    expect(res.headers.get("x-darkbloom-generation-id")).to.match(/^chatcmpl-/);
    const text = await res.text();
    const events = text.split("\n\n").filter((e) => e.length > 0);
    expect(events.at(-1)).to.equal("data: [DONE]");
    expect(events.at(-2)).to.match(/^: x-timing auth;dur=/);
    expect(events.at(-2)?.slice(": x-timing ".length)).to.match(TIMING);
    expect(events).to.include(": keep-alive");
    const data = events
      .filter((e) => e.startsWith("data: {"))
      .map(
        (e) =>
          JSON.parse(e.slice(6)) as {
            usage?: {
              prompt_tokens: number;
              completion_tokens: number;
              total_tokens: number;
              cost?: number;
            };
            choices: { finish_reason: string | null }[];
          },
      );
    const last = data.at(-1);
    expect(last?.choices[0]?.finish_reason).to.be.oneOf(["stop", "length"]);
    expect(last?.usage?.completion_tokens).to.be.within(1, 8);
    expect(last?.usage?.total_tokens).to.equal(
      (last?.usage?.prompt_tokens ?? 0) + (last?.usage?.completion_tokens ?? 0),
    );
    expect(last?.usage?.cost).to.be.a("number").and.at.least(0);
    expect(data.slice(0, -1).every((d) => d.usage === undefined)).to.equal(true);
  });

  it("errors carry a generation id and X-Timing too", async () => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer nope" },
    });
    expect(res.status).to.equal(401);
    expect(res.headers.get("x-darkbloom-generation-id")).to.match(/^chatcmpl-/);
    expect(res.headers.get("x-timing")).to.match(/total;dur=/);
  });

  it("answers an unknown routing preference value with a 400 naming the field", async () => {
    for (const [provider, param] of [
      [{ sort: "cheapest" }, "provider.sort"],
      [{ min_trust: "gold" }, "provider.min_trust"],
      [{ max_price: { prompt: "free" } }, "provider.max_price.prompt"],
    ] as const) {
      const err = await client.chat.completions
        .create({ ...chat(), provider } as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.APIError>).param).to.equal(param);
    }
  });

  it("falls back along `models` and reports the model actually used", async () => {
    const res = await client.chat.completions.create({
      ...chat({ model: "no-such-model" }),
      models: [TEST_MODEL_ID],
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(res.model).to.equal(TEST_MODEL_ID);
    const refused = await client.chat.completions
      .create({
        ...chat({ model: "no-such-model" }),
        models: [TEST_MODEL_ID],
        provider: { allow_fallbacks: false },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(OpenAI.NotFoundError);
  });

  it("honours min_trust, quantizations and max_price (no provider or price matches → refused)", async () => {
    const refusal = (provider: object) =>
      client.chat.completions
        .create({ ...chat(), provider } as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .then(
          () => undefined,
          (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
        );
    expect((await refusal({ min_trust: "hardware+mda" }))?.status).to.equal(503);
    expect((await refusal({ quantizations: ["no-such-quant"] }))?.status).to.equal(503);
    expect((await refusal({ max_price: { prompt: 0 } }))?.param).to.equal("provider.max_price");
    expect(await refusal({ quantizations: [], max_price: { prompt: 1_000_000 } })).to.equal(
      undefined,
    );
  });

  it("GET /v1/models lists pricing, context length and live availability", async () => {
    const list = (await (
      await fetch(`${url}/v1/models`, {
        headers: { authorization: `Bearer ${coordinator?.apiKey ?? ""}` },
      })
    ).json()) as {
      object: string;
      data: {
        id: string;
        context_length: number;
        providers: number;
        pricing: { prompt: string; completion: string } | null;
      }[];
    };
    expect(list.object).to.equal("list");
    const model = list.data.find((m) => m.id === TEST_MODEL_ID);
    expect(model?.providers).to.equal(1);
    expect(model?.context_length).to.be.greaterThan(0);
    expect(Number(model?.pricing?.prompt)).to.be.at.least(0);
    expect(Number(model?.pricing?.completion)).to.be.at.least(0);
  });

  it("GET /v1/models/capacity reports providers, warm slots, running, queue depth and wait per model", async () => {
    const res = await fetch(`${url}/v1/models/capacity`, {
      headers: { authorization: `Bearer ${coordinator?.apiKey ?? ""}` },
    });
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { data: Record<string, unknown>[] };
    const model = body.data.find((m) => m.id === TEST_MODEL_ID);
    expect(model).to.include.keys([
      "providers",
      "warm_slots",
      "running",
      "waiting",
      "queue_depth",
      "estimated_wait_ms",
    ]);
    expect(model?.providers).to.equal(1);
  });

  it("serves its OpenAPI 3.1 document without auth, equal to docs/openapi.json", async () => {
    const res = await fetch(`${url}/openapi.json`);
    expect(res.status).to.equal(200);
    const committed = JSON.parse(
      readFileSync(new URL("../../docs/openapi.json", import.meta.url), "utf8"),
    ) as unknown;
    expect(await res.json()).to.deep.equal(committed);
  });
});
