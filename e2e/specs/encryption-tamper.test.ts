import { randomBytes } from "node:crypto";
import type { InferenceBody, InferenceRequest } from "@darkbloom/proto";
import { DarkbloomClient, DarkbloomError } from "@darkbloom/sdk";
import { FakeProvider, type FakeReply } from "@darkbloom/testing";
import { expect } from "chai";
import OpenAI from "openai";
import { ledgerAdminClient } from "../testbed/admin-client.js";
import {
  startCoordinator,
  waitForAttestedKey,
  waitForModel,
  type RunningCoordinator,
} from "../testbed/testbed.js";

const MODEL = "fake-tamper";
const PIECES = ["alpha ", "beta "];

interface DeltaChunk {
  choices: Array<{ delta: { content?: string | null } }>;
}

/** Reads a stream to its end or its error: the text received and what was thrown. */
async function drain(stream: AsyncIterable<DeltaChunk>): Promise<{ text: string; err: unknown }> {
  let text = "";
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  } catch (err) {
    return { text, err };
  }
  return { text, err: undefined };
}

describe("encryption: tampered chunks from a provider and replayed sealed submissions", function () {
  this.timeout(120_000);
  let coordinator: RunningCoordinator | undefined;
  let fake: FakeProvider | undefined;
  let accountId = "";

  /** Two good chunks, then one whose ciphertext is garbage; compat requests then "complete" with inflated usage. */
  const reply = (body: InferenceBody, request: InferenceRequest): FakeReply => {
    const text = body.input.case === "chat" ? (body.input.value.messages[0]?.content ?? "") : "";
    if (text.includes("honest")) return { pieces: PIECES };
    setImmediate(() => {
      fake?.send({
        case: "chunk",
        value: {
          requestId: request.requestId,
          sequence: PIECES.length,
          encryptedPayload: new Uint8Array(randomBytes(64)),
          tokenCount: 1,
        },
      });
      if (text.includes("compat"))
        fake?.send({
          case: "complete",
          value: {
            requestId: request.requestId,
            usage: { promptTokens: 1000, completionTokens: 1000 },
          },
        });
    });
    return { pieces: PIECES, complete: false };
  };

  before(async () => {
    coordinator = await startCoordinator();
    fake = new FakeProvider({
      url: `${coordinator.url.replace(/^http/, "ws")}/v1/provider/connect`,
      models: [MODEL],
      reply,
    });
    await fake.connect();
    await waitForModel(coordinator.url, coordinator.apiKey, MODEL);
    await waitForAttestedKey(coordinator.url, coordinator.apiKey, MODEL);
    // The account to watch in the ledger (providers only ever see a pseudonym of it).
    const res = await fetch(`${coordinator.url}/v1/me`, {
      headers: { authorization: `Bearer ${coordinator.apiKey}` },
    });
    accountId = ((await res.json()) as { id: string }).id;
  });

  after(async () => {
    await fake?.close();
    await coordinator?.stop();
  });

  const ledger = () => ledgerAdminClient(coordinator?.url ?? "", coordinator?.apiKey ?? "");
  const balance = async (): Promise<bigint> =>
    (await ledger().getBalance({ accountId })).balanceMicroUsd;
  const costOf = async (completionTokens: bigint): Promise<bigint> => {
    const price = await ledger().getPrice({ model: MODEL });
    return (completionTokens * price.outputMicroUsdPerMillion + 999_999n) / 1_000_000n;
  };

  it("compat mode: the edge ends the stream with an error and charges only the delivered tokens", async () => {
    const before = await balance();
    const openai = new OpenAI({
      baseURL: `${coordinator?.url}/v1`,
      apiKey: coordinator?.apiKey ?? "",
      maxRetries: 0,
    });
    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "compat tamper" }],
      max_tokens: 2000,
      stream: true,
    });
    const { text, err } = await drain(stream);
    expect(text).to.equal(PIECES.join(""));
    expect(err).to.be.instanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).to.match(/failed authentication/);
    expect(before - (await balance())).to.equal(await costOf(BigInt(PIECES.length)));
    expect((await fetch(`${coordinator?.url}/health`)).status).to.equal(200);
  });

  it("sealed mode: the SDK refuses the chunk, abandons the stream, and only relayed tokens are charged", async () => {
    const before = await balance();
    const sdk = new DarkbloomClient({
      baseURL: `${coordinator?.url}/v1`,
      apiKey: coordinator?.apiKey ?? "",
      allowUnattested: true, // the fake provider has no identity key (trust none)
    });
    const stream = await sdk.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "sealed tamper" }],
      max_tokens: 2000,
      stream: true,
    });
    const { text, err } = await drain(stream);
    expect(text).to.equal(PIECES.join(""));
    expect(err).to.be.instanceOf(DarkbloomError);
    expect((err as DarkbloomError).code).to.equal("chunk_authentication_failed");
    // The coordinator cannot tell a tampered sealed chunk from a good one: it charges what it relayed.
    const relayed = BigInt(PIECES.length + 1);
    const until = Date.now() + 10_000;
    let charged = before - (await balance());
    while (charged === 0n && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      charged = before - (await balance());
    }
    expect(charged).to.equal(await costOf(relayed));
  });

  it("sealed mode: a replayed submission (same reservation, key and ciphertext) is refused", async () => {
    const submissions: Array<{ url: string; body: string }> = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (url.endsWith("/sealed/completions") && typeof init?.body === "string")
        submissions.push({ url, body: init.body });
      return fetch(input, init);
    };
    const sdk = new DarkbloomClient({
      baseURL: `${coordinator?.url}/v1`,
      apiKey: coordinator?.apiKey ?? "",
      fetch: recordingFetch,
      allowUnattested: true, // the fake provider has no identity key (trust none)
    });
    const done = await sdk.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "honest request" }],
      max_tokens: 4,
    });
    expect(done.choices[0].message.content).to.equal(PIECES.join(""));
    const [first] = submissions;
    if (!first) throw new Error("no sealed submission recorded");
    const replay = await fetch(first.url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${coordinator?.apiKey}`,
        "content-type": "application/json",
      },
      body: first.body,
    });
    expect(replay.status).to.equal(404);
    const body = (await replay.json()) as { error: { code: string } };
    expect(body.error.code).to.equal("reservation_not_found");
    expect(
      fake?.requests.filter(
        (r) => r.input.case === "chat" && r.input.value.messages[0]?.content === "honest request",
      ),
    ).to.have.length(1);
  });
});
