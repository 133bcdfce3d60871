// Over 300 lines: one attack surface (who decides the billed token counts), one cluster, four
// attacks and the ledger audit after them.
//
// Usage figures are the coordinator's, not the provider's or the client's (DESIGN §10): a provider
// that claims billions of tokens is billed for what the relay counted and loses reputation; a
// sealed-mode client that understates its prompt is held and charged by the sealed body's size;
// assistant tool-call arguments count in the prompt estimate; a stream abandoned after its first
// token still pays for the prompt the provider reported. Real coordinator process, real Postgres,
// fake providers speaking the real protobuf WebSocket protocol.
import { create, toBinary } from "@bufbuild/protobuf";
import { boxBeforenm, generateKeyPair, sealWithSharedKey, toBase64 } from "@darkbloom/crypto";
import { sql } from "@darkbloom/db";
import { InferenceBodySchema } from "@darkbloom/proto";
import {
  FakeProvider,
  OVERSTATED_TOKENS,
  fakeLyingProvider,
  type FakeReply,
} from "@darkbloom/testing";
import { expect } from "chai";
import { z } from "zod";
import { scrapeMetric } from "../chaos/metrics.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { providerSocketUrl } from "../testbed/fake-fleet.js";
import {
  auditLedgerWhenSettled,
  CLEAN_LEDGER,
  settlementsOf,
  waitForSettled,
} from "../testbed/ledger-audit.js";
import { waitForAttestedKey, waitForModel } from "../testbed/testbed.js";
import { createUserPool, type TestUser } from "../testbed/user-pool.js";

const LIAR_MODEL = "usage-liar";
const STALL_MODEL = "usage-stall";
const TOOLS_MODEL = "usage-tools";
const SEALED_MODEL = "usage-sealed";
/** 0.5 µUSD per prompt token, 1 µUSD per completion token. */
const PRICE = { input_micro_usd_per_million: 500_000, output_micro_usd_per_million: 1_000_000 };
const cost = (prompt: number, completion: number): number =>
  Math.ceil((prompt * PRICE.input_micro_usd_per_million) / 1e6 + completion);

/** The prompt the stalling provider reports in its first chunk. */
const STALL_PROMPT_TOKENS = 20;
/** What the tools and sealed providers report: the size of the prompts sent to them below. */
const TOOLS_PROMPT_TOKENS = 1887;
const SEALED_PROMPT_TOKENS = 1916;

describe("attack: provider-reported and client-estimated usage", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;
  let url = "";
  let metricsUrl = "";
  let admin = "";
  let users: TestUser[] = [];
  const fakes: FakeProvider[] = [];

  const fake = async (models: string[], reply: () => FakeReply): Promise<FakeProvider> => {
    const p = new FakeProvider({ url: providerSocketUrl(url), models, reply });
    fakes.push(p);
    await p.connect();
    return p;
  };

  before(async () => {
    cluster = await startCluster({ coordinators: 1 });
    url = cluster.coordinators[0]?.url ?? "";
    metricsUrl = cluster.coordinators[0]?.metricsUrl ?? "";
    admin = cluster.adminKey;
    const liar = fakeLyingProvider(providerSocketUrl(url), [LIAR_MODEL]);
    fakes.push(liar);
    await liar.connect();
    await fake([LIAR_MODEL], () => ({ pieces: ["w0 ", "w1 ", "w2 "] }));
    await fake([STALL_MODEL], () => ({
      pieces: ["first "],
      firstChunkPromptTokens: STALL_PROMPT_TOKENS,
      complete: false,
    }));
    await fake([TOOLS_MODEL], () => ({
      pieces: ["done"],
      firstChunkPromptTokens: TOOLS_PROMPT_TOKENS,
      usage: { promptTokens: TOOLS_PROMPT_TOKENS, completionTokens: 1 },
    }));
    await fake([SEALED_MODEL], () => ({
      pieces: ["sealed ", "reply"],
      usage: { promptTokens: SEALED_PROMPT_TOKENS, completionTokens: 2 },
    }));
    for (const model of [LIAR_MODEL, STALL_MODEL, TOOLS_MODEL, SEALED_MODEL]) {
      const priced = await fetch(`${url}/v1/admin/prices/${model}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        body: JSON.stringify(PRICE),
      });
      expect(priced.status).to.equal(200);
      await waitForModel(url, admin, model);
    }
    await waitForAttestedKey(url, admin, SEALED_MODEL);
    users = await createUserPool(cluster.postgres.pool, url, admin, {
      users: 4,
      creditMicroUsd: 10_000_000n,
      namePrefix: "usage-attack",
    });
  });

  after(async () => {
    await Promise.all(fakes.map((f) => f.close()));
    await cluster?.stop();
  });

  const userKey = (i: number): string => users[i]?.apiKey ?? "";
  const post = (key: string, path: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  const usageOf = async (key: string, requestId: string) => {
    expect(await waitForSettled(cluster?.postgres.pool ?? never(), [requestId])).to.deep.equal([]);
    const res = await fetch(`${url}/v1/usage/${requestId}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).to.equal(200);
    return (await res.json()) as {
      prompt_tokens: number;
      completion_tokens: number;
      cost_micro_usd: number;
    };
  };
  const hello = { model: LIAR_MODEL, messages: [{ role: "user", content: "hello" }] };
  // The coordinator's estimate of `hello`: 8 per request + 8 per message + bytes of "user", "hello".
  const HELLO_ESTIMATE = 8 + 8 + 4 + 5;

  it("bills a lying provider's one relayed token and the bounded prompt, not its 4e9/4e9 report, and lowers its reputation", async () => {
    const liarId = fakes[0]?.providerId ?? "";
    // Both providers of the model start equal: ask until the liar serves a request.
    let requestId = "";
    let reply: { usage: { prompt_tokens: number; completion_tokens: number } } | undefined;
    for (let i = 0; i < 40 && !requestId; i++) {
      const res = await post(userKey(0), "/v1/chat/completions", { ...hello, max_tokens: 16 });
      expect(res.status).to.equal(200);
      const body = (await res.json()) as typeof reply;
      if (res.headers.get("x-darkbloom-provider") !== liarId) continue;
      requestId = res.headers.get("x-request-id") ?? "";
      reply = body;
    }
    expect(requestId, "the lying provider never served a request").to.not.equal("");
    expect(reply?.usage).to.include({ prompt_tokens: HELLO_ESTIMATE, completion_tokens: 1 });
    const usage = await usageOf(userKey(0), requestId);
    expect(usage).to.include({
      prompt_tokens: HELLO_ESTIMATE,
      completion_tokens: 1,
      cost_micro_usd: cost(HELLO_ESTIMATE, 1),
    });
    expect(usage.completion_tokens).to.be.below(OVERSTATED_TOKENS);
    expect(await scrapeMetric(metricsUrl, "darkbloom_usage_disputes_total")).to.equal(2);

    // Its reputation fell below the honest provider's: every near-tie now goes to the other one.
    for (let i = 0; i < 8; i++) {
      const res = await post(userKey(0), "/v1/chat/completions", { ...hello, max_tokens: 4 });
      expect(res.status).to.equal(200);
      await res.arrayBuffer();
      expect(res.headers.get("x-darkbloom-provider")).to.not.equal(liarId);
    }
  });

  it("charges an abandoned stream for the prompt its provider reported in the first chunk", async () => {
    const abort = new AbortController();
    const res = await post(
      userKey(1),
      "/v1/chat/completions",
      { ...hello, model: STALL_MODEL, max_tokens: 16, stream: true },
      abort.signal,
    );
    expect(res.status).to.equal(200);
    const requestId = res.headers.get("x-request-id") ?? "";
    const reader: ReadableStreamDefaultReader<Uint8Array> = (res.body ?? never()).getReader();
    let seen = "";
    while (!seen.includes("first")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    expect(seen).to.include("first");
    abort.abort();
    await reader.cancel().catch(() => undefined);
    const usage = await usageOf(userKey(1), requestId);
    expect(usage).to.include({
      prompt_tokens: STALL_PROMPT_TOKENS,
      completion_tokens: 1,
      cost_micro_usd: cost(STALL_PROMPT_TOKENS, 1),
    });
  });

  it("counts an assistant's tool-call arguments in the prompt estimate the hold and charge rest on", async () => {
    const args = JSON.stringify({ path: "/srv/data", body: "x".repeat(1_850) });
    const res = await post(userKey(2), "/v1/chat/completions", {
      model: TOOLS_MODEL,
      max_tokens: 8,
      tools: [{ type: "function", function: { name: "write", parameters: { type: "object" } } }],
      messages: [
        { role: "user", content: "save it" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "write", arguments: args } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "ok" },
      ],
    });
    expect(res.status).to.equal(200);
    const requestId = res.headers.get("x-request-id") ?? "";
    const usage = await usageOf(userKey(2), requestId);
    expect(usage).to.include({
      prompt_tokens: TOOLS_PROMPT_TOKENS,
      completion_tokens: 1,
      cost_micro_usd: cost(TOOLS_PROMPT_TOKENS, 1),
    });
  });

  describe("sealed mode with an understated estimate (claims 1 prompt token)", () => {
    // A ~2,000-byte prompt, sealed so the coordinator sees only its size.
    const prompt = "word ".repeat(400);
    const sealedRun = async (key: string) => {
      const reserve = await post(key, "/v1/sealed/reserve", {
        model: SEALED_MODEL,
        estimated_prompt_tokens: 1,
        max_tokens: 8,
      });
      expect(reserve.status).to.equal(200);
      const r = (await reserve.json()) as {
        reservation_id: string;
        request_id: string;
        provider_public_key: string;
        account_id: string;
      };
      const eph = generateKeyPair();
      const shared = boxBeforenm(Buffer.from(r.provider_public_key, "base64"), eph.secretKey);
      const body = create(InferenceBodySchema, {
        model: SEALED_MODEL,
        accountId: r.account_id,
        input: { case: "chat", value: { messages: [{ role: "user", content: prompt }] } },
        sampling: { maxTokens: 8 },
      });
      const submit = await post(key, "/v1/sealed/completions", {
        reservation_id: r.reservation_id,
        ephemeral_public_key: toBase64(eph.publicKey),
        ciphertext: toBase64(sealWithSharedKey(shared, toBinary(InferenceBodySchema, body))),
      });
      return { requestId: r.request_id, submit, text: await submit.text() };
    };

    it("charges the prompt the provider processed, held by the sealed body's size", async () => {
      const run = await sealedRun(userKey(3));
      expect(run.submit.status).to.equal(200);
      expect(run.text).to.include(`"prompt_tokens":${SEALED_PROMPT_TOKENS}`);
      const usage = await usageOf(userKey(3), run.requestId);
      expect(usage).to.include({
        prompt_tokens: SEALED_PROMPT_TOKENS,
        completion_tokens: 2,
        cost_micro_usd: cost(SEALED_PROMPT_TOKENS, 2),
      });
    });

    it("refuses with 402 when the balance covers the claimed estimate but not the sealed body", async () => {
      const [poor] = await createUserPool(cluster?.postgres.pool ?? never(), url, admin, {
        users: 1,
        creditMicroUsd: 100n,
        namePrefix: "usage-attack-poor",
      });
      const run = await sealedRun(poor?.apiKey ?? "");
      expect(run.submit.status).to.equal(402);
      expect(JSON.parse(run.text)).to.deep.include({
        error: {
          message:
            "Your balance cannot cover this request's maximum cost. Add credit or lower max_tokens.",
          type: "insufficient_quota",
          param: null,
          code: "insufficient_balance",
        },
      });
    });
  });

  // A suite's own tests run before its nested suites: the audit is a suite of its own, last.
  describe("after the attacks", () => {
    it("leaves the ledger whole: zero-sum, no drift, no open holds, nobody negative, providers paid floor(95 %)", async () => {
      const db = cluster?.postgres.pool ?? never();
      const audit = await auditLedgerWhenSettled(db);
      expect(audit).to.deep.include(CLEAN_LEDGER);
      const ids = await db.any(sql.type(z.object({ request_id: z.string() }))`
      SELECT request_id FROM ledger_settlements`);
      const settlements = await settlementsOf(
        db,
        ids.map((r) => r.request_id),
      );
      expect(settlements.size).to.be.greaterThan(10);
      for (const s of settlements.values()) {
        expect(s.completion_tokens < BigInt(OVERSTATED_TOKENS)).to.equal(true);
      }
    });
  });
});

function never(): never {
  throw new Error("the cluster did not start");
}
