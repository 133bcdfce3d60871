import { DarkbloomClient, SEALED_CONTENT_TYPE, openResponse } from "@darkbloom/sdk";
import { expect } from "chai";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForAttestedKey,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

const chatBody = (stream: boolean) => ({
  model: TEST_MODEL_ID,
  messages: [{ role: "user", content: "A sealed question about tide pools." }],
  max_tokens: 8,
  temperature: 0,
  stream,
});

interface Envelope {
  kid: string;
  ephemeral_public_key: string;
  ciphertext: string;
}

describe("encryption: request bodies sealed to the coordinator's key (compat mode)", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  let sdk: DarkbloomClient;
  const url = (path: string): string => `${coordinator?.url ?? ""}${path}`;

  before(async () => {
    coordinator = await startCoordinator({
      DARKBLOOM_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
    });
    provider = await startProvider(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    await waitForAttestedKey(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
    sdk = new DarkbloomClient({ baseURL: url("/v1"), apiKey: coordinator.apiKey });
  });

  after(async () => {
    await provider?.stop();
    await coordinator?.stop();
  });

  const postEnvelope = (body: string): Promise<Response> =>
    fetch(url("/v1/chat/completions"), {
      method: "POST",
      headers: {
        authorization: `Bearer ${coordinator?.apiKey ?? ""}`,
        "content-type": SEALED_CONTENT_TYPE,
      },
      body,
    });
  const errorOf = async (res: Response): Promise<{ code: string; message: string }> =>
    ((await res.json()) as { error: { code: string; message: string } }).error;
  const refusals = async (): Promise<Record<string, number>> => {
    const text = await (await fetch(`${coordinator?.metricsUrl ?? ""}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/^darkbloom_crypto_refusals_total\{reason="(\w+)"\} (\d+)/gm))
      counts[m[1] ?? ""] = Number(m[2]);
    return counts;
  };

  it("publishes its key without authentication", async () => {
    const res = await fetch(url("/v1/encryption-key"));
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { kid: string; public_key: string };
    expect(body.kid).to.match(/^ek_[0-9a-f]{16}$/);
    expect(Buffer.from(body.public_key, "base64")).to.have.length(32);
  });

  it("answers a sealed non-streaming chat completion with a body only the sender can open", async () => {
    const res = await sdk.compat.post("/chat/completions", chatBody(false));
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.equal(SEALED_CONTENT_TYPE);
    const body = (await res.json()) as {
      object: string;
      choices: Array<{ message: { content: string } }>;
    };
    expect(body.object).to.equal("chat.completion");
    expect(body.choices[0]?.message.content).to.be.a("string").and.not.equal("");
  });

  it("streams sealed SSE events that open to the original chat.completion.chunk events", async () => {
    const res = await sdk.compat.post("/chat/completions", chatBody(true));
    expect(res.status).to.equal(200);
    expect(res.headers.get("x-darkbloom-sealed")).to.equal("sse");
    const events: string[] = [];
    for await (const ev of res.events()) events.push(ev);
    expect(events.at(-1)).to.equal("data: [DONE]");
    const first = JSON.parse(events[0]?.slice(6) ?? "{}") as { object?: string };
    expect(first.object).to.equal("chat.completion.chunk");
    expect(events.length).to.be.greaterThan(3);
  });

  it("seals error responses too once the body opened (unknown model → 404 inside the seal)", async () => {
    const res = await sdk.compat.post("/chat/completions", { ...chatBody(false), model: "nope" });
    expect(res.status).to.equal(404);
    expect(res.headers.get("x-darkbloom-sealed")).to.equal("json");
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).to.equal("model_not_found");
  });

  it("checks the API key before opening a sealed body: a 401 is plain and the same body still works with the right key", async () => {
    const { envelope, sharedKey } = await sdk.compat.seal(chatBody(false));
    const wrong = await fetch(url("/v1/chat/completions"), {
      method: "POST",
      headers: { authorization: "Bearer db-not-a-key", "content-type": SEALED_CONTENT_TYPE },
      body: envelope,
    });
    expect(wrong.status).to.equal(401);
    expect(wrong.headers.get("x-darkbloom-sealed"), "refused before opening").to.equal(null);
    expect((await errorOf(wrong)).code).to.be.a("string");
    // Not opened, so its nonce was not spent: the replay guard lets the same bytes through.
    const right = await postEnvelope(envelope);
    expect(right.status).to.equal(200);
    const opened = (await openResponse(right, sharedKey).json()) as { object: string };
    sharedKey.fill(0);
    expect(opened.object).to.equal("chat.completion");
  });

  it("refuses a tampered, truncated, wrong-kid or replayed body with a clear 4xx and counts each", async () => {
    const before = await refusals();
    const { envelope, sharedKey } = await sdk.compat.seal(chatBody(false));
    sharedKey.fill(0);
    const parsed = JSON.parse(envelope) as Envelope;
    const bytes = Buffer.from(parsed.ciphertext, "base64");

    const flipped = Buffer.from(bytes);
    flipped[40] = (flipped[40] ?? 0) ^ 1;
    const tampered = await postEnvelope(
      JSON.stringify({ ...parsed, ciphertext: flipped.toString("base64") }),
    );
    expect(tampered.status).to.equal(400);
    expect((await errorOf(tampered)).code).to.equal("sealed_body_invalid");

    const cut = bytes.subarray(0, 30).toString("base64");
    const truncated = await postEnvelope(JSON.stringify({ ...parsed, ciphertext: cut }));
    expect(truncated.status).to.equal(400);
    expect((await errorOf(truncated)).code).to.equal("sealed_body_truncated");

    const wrongKid = await postEnvelope(JSON.stringify({ ...parsed, kid: "ek_0123456789abcdef" }));
    expect(wrongKid.status).to.equal(400);
    expect((await errorOf(wrongKid)).code).to.equal("unknown_kid");

    const garbage = await postEnvelope("{not json");
    expect(garbage.status).to.equal(400);
    expect((await errorOf(garbage)).code).to.equal("invalid_sealed_body");

    const first = await postEnvelope(envelope);
    expect(first.status).to.equal(200);
    await first.arrayBuffer();
    const replay = await postEnvelope(envelope);
    expect(replay.status).to.equal(409);
    expect((await errorOf(replay)).code).to.equal("replayed_request");

    const after = await refusals();
    const delta = (reason: string): number => (after[reason] ?? 0) - (before[reason] ?? 0);
    expect(delta("authentication_failed")).to.equal(1);
    expect(delta("truncated")).to.equal(1);
    expect(delta("unknown_kid")).to.equal(1);
    expect(delta("bad_envelope")).to.equal(1);
    expect(delta("replayed_request")).to.equal(1);
    expect((await fetch(url("/health"))).status).to.equal(200);
  });

  it("opens a response with the SDK only with the request's own shared key", async () => {
    const { envelope, sharedKey } = await sdk.compat.seal(chatBody(false));
    const res = await postEnvelope(envelope);
    const wrongKey = new Uint8Array(32).fill(9);
    const err = await openResponse(res, wrongKey)
      .json()
      .catch((e: unknown) => e);
    sharedKey.fill(0);
    expect(String(err)).to.match(/authentication_failed/);
  });
});
