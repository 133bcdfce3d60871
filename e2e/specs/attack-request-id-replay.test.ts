// Attack: free inference by reusing x-request-id. The id made hold and settle idempotent and was
// chosen by the client, so a cheap request (max_tokens 1) followed by the same id with a large
// max_tokens ran again and again on the first request's hold: the balance never moved, the
// provider was never paid, and the balance check was skipped. Now (DESIGN §10) an id is claimed
// per account: a reuse with another body is refused (idempotency_key_reused), a finished id
// never runs again (request_id_already_used), and another account's same id is its own.
// Real coordinator, real provider (the test model), the official clients, Postgres audited after.
import Anthropic from "@anthropic-ai/sdk";
import { DarkbloomClient, DarkbloomError } from "@darkbloom/sdk";
import { sql } from "@darkbloom/db";
import { expect } from "chai";
import OpenAI, { APIError } from "openai";
import { z } from "zod";
import { expectedCharge } from "../load/accounting.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { auditLedgerWhenSettled, CLEAN_LEDGER, waitForSettled } from "../testbed/ledger-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { waitForAttestedKey } from "../testbed/testbed.js";
import type { TestUser } from "../testbed/user-pool.js";

type Api = "chat" | "completions" | "responses" | "messages";
const PROMPT = "Name a colour.";

describe("attack: replaying x-request-id for free inference (real coordinator and provider)", function () {
  this.timeout(240_000);
  let cluster: Cluster | undefined;
  const c = (): Cluster => {
    if (!cluster) throw new Error("before hook did not run");
    return cluster;
  };
  const url = (): string => c().coordinators[0]?.url ?? "";
  const user = (i: number): TestUser => {
    const u = c().users[i];
    if (!u) throw new Error(`no user ${i}`);
    return u;
  };

  before(async () => {
    cluster = await startCluster({ providers: 1, users: 2, creditMicroUsd: 10_000_000n });
    // 1 micro-USD per token either way: every token that runs moves the balance.
    const priced = await fetch(`${url()}/v1/admin/prices/${TEST_MODEL_ID}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${c().adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        input_micro_usd_per_million: 1_000_000,
        output_micro_usd_per_million: 1_000_000,
      }),
    });
    expect(priced.status).to.equal(200);
    await waitForAttestedKey(url(), c().adminKey, TEST_MODEL_ID);
  });
  after(async () => {
    await cluster?.stop();
  });

  const available = async (u: TestUser): Promise<bigint> => {
    const res = await fetch(`${url()}/v1/me`, { headers: { authorization: `Bearer ${u.apiKey}` } });
    const me = (await res.json()) as { balance: { available_micro_usd: number } };
    return BigInt(me.balance.available_micro_usd);
  };
  const usageOf = async (u: TestUser, id: string) => {
    const res = await fetch(`${url()}/v1/usage/${id}`, {
      headers: { authorization: `Bearer ${u.apiKey}` },
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  /** One request of the given API shape under `requestId`; resolves to the HTTP status. */
  const send = async (api: Api, u: TestUser, requestId: string, maxTokens: number) => {
    const headers = { "x-request-id": requestId };
    if (api === "messages") {
      const anthropic = new Anthropic({ baseURL: url(), apiKey: u.apiKey, maxRetries: 0 });
      const res = await anthropic.messages
        .create(
          {
            model: TEST_MODEL_ID,
            max_tokens: maxTokens,
            messages: [{ role: "user", content: PROMPT }],
          },
          { headers },
        )
        .withResponse();
      return res.response.headers.get("x-request-id");
    }
    const openai = new OpenAI({ baseURL: `${url()}/v1`, apiKey: u.apiKey, maxRetries: 0 });
    if (api === "chat") {
      const res = await openai.chat.completions
        .create(
          {
            model: TEST_MODEL_ID,
            messages: [{ role: "user", content: PROMPT }],
            max_tokens: maxTokens,
          },
          { headers },
        )
        .withResponse();
      return res.response.headers.get("x-request-id");
    }
    if (api === "completions") {
      const res = await openai.completions
        .create({ model: TEST_MODEL_ID, prompt: PROMPT, max_tokens: maxTokens }, { headers })
        .withResponse();
      return res.response.headers.get("x-request-id");
    }
    const res = await openai.responses
      .create({ model: TEST_MODEL_ID, input: PROMPT, max_output_tokens: maxTokens }, { headers })
      .withResponse();
    return res.response.headers.get("x-request-id");
  };

  /** The refusal's status and code (Anthropic's body has no code: its message names the id). */
  const refusal = async (p: Promise<unknown>): Promise<{ status: number; code: string }> =>
    refusalOf(
      await p.then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
  const refusalOf = (err: unknown): { status: number; code: string } => {
    if (err instanceof APIError) return { status: Number(err.status), code: String(err.code) };
    if (err instanceof Anthropic.APIError) {
      const body = err.error as { error?: { message?: string } };
      const message = body.error?.message ?? "";
      const code = message.includes("different request")
        ? "idempotency_key_reused"
        : message.includes("already ran")
          ? "request_id_already_used"
          : message.includes("still running")
            ? "request_in_progress"
            : message;
      return { status: Number(err.status), code };
    }
    if (err instanceof DarkbloomError) return { status: err.status, code: err.code };
    throw new Error(`expected a refusal, got ${String(err)}`);
  };

  for (const api of ["chat", "completions", "responses", "messages"] as const) {
    it(`${api}: a cheap request's id never runs a bigger (or the same) request again, and is per account`, async () => {
      const id = `replay-${api}`;
      const [a, b] = [user(0), user(1)];
      const start = await available(a);
      expect(await send(api, a, id, 1)).to.equal(id);
      await waitForSettled(c().postgres.pool, [id]);
      const afterFirst = await available(a);
      const firstCost = start - afterFirst;
      expect(firstCost > 0n, "the first request is billed").to.equal(true);

      // The replay with a bigger max_tokens, then the exact same request: both refused, and the
      // balance moves for nothing that did not run.
      expect(await refusal(send(api, a, id, 64))).to.deep.equal({
        status: 409,
        code: "idempotency_key_reused",
      });
      expect(await refusal(send(api, a, id, 1))).to.deep.equal({
        status: 409,
        code: "request_id_already_used",
      });
      expect(await available(a)).to.equal(afterFirst);
      const record = await usageOf(a, id);
      expect(record.status).to.equal(200);
      expect(record.json).to.include({ request_id: id, cost_micro_usd: Number(firstCost) });

      // Another account's same id is its own: it runs, is billed, and learns nothing of a's.
      const bStart = await available(b);
      expect(await send(api, b, id, 1)).to.equal(id);
      await waitForSettled(c().postgres.pool, [id]);
      const bCost = bStart - (await available(b));
      expect(bCost > 0n).to.equal(true);
      expect((await usageOf(b, id)).json).to.include({
        request_id: id,
        cost_micro_usd: Number(bCost),
      });
      expect(await available(a)).to.equal(afterFirst);
    });
  }

  it("a request that failed before any token (no such model) can be retried under its id", async () => {
    const openai = new OpenAI({ baseURL: `${url()}/v1`, apiKey: user(0).apiKey, maxRetries: 0 });
    const attempt = () =>
      openai.chat.completions.create(
        { model: "no-such-model", messages: [{ role: "user", content: PROMPT }], max_tokens: 4 },
        { headers: { "x-request-id": "retry-after-404" } },
      );
    for (let i = 0; i < 2; i++)
      expect(await refusal(attempt())).to.deep.equal({ status: 404, code: "model_not_found" });
    // Both ran past their hold (released, nothing charged): the retry was not refused as a reuse.
    const holds = await c().postgres.pool.oneFirst(sql.type(z.object({ n: z.bigint() }))`
      SELECT count(*)::int8 AS n FROM ledger_holds WHERE client_request_id = 'retry-after-404'`);
    expect(holds).to.equal(2n);
  });

  it("concurrent requests racing on one id: exactly one runs and is billed", async () => {
    const a = user(0);
    const start = await available(a);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, () => send("chat", a, "replay-race", 8)),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).to.have.length(1);
    for (const o of outcomes) {
      if (o.status === "fulfilled") continue;
      const r = refusalOf(o.reason);
      expect(r.status).to.equal(409);
      expect(r.code).to.be.oneOf(["request_in_progress", "request_id_already_used"]);
    }
    await waitForSettled(c().postgres.pool, ["replay-race"]);
    const record = await usageOf(a, "replay-race");
    expect(start - (await available(a))).to.equal(BigInt(record.json.cost_micro_usd as number));
  });

  it("sealed mode: a reservation under a finished id is refused at submit, before anything runs", async () => {
    const [a, b] = [user(0), user(1)];
    const sealedClient = (u: TestUser, requestId: string) =>
      new DarkbloomClient({
        baseURL: `${url()}/v1`,
        apiKey: u.apiKey,
        fetch: (input, init) => {
          const headers = new Headers(init?.headers);
          headers.set("x-request-id", requestId);
          return fetch(input, { ...init, headers });
        },
      });
    const ask = (u: TestUser, maxTokens: number) =>
      sealedClient(u, "replay-sealed").chat.completions.create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: PROMPT }],
        max_tokens: maxTokens,
      });
    const start = await available(a);
    await ask(a, 1);
    await waitForSettled(c().postgres.pool, ["replay-sealed"]);
    const afterFirst = await available(a);
    expect(start - afterFirst > 0n).to.equal(true);
    expect(await refusal(ask(a, 64))).to.deep.equal({
      status: 409,
      code: "idempotency_key_reused",
    });
    expect(await refusal(ask(a, 1))).to.deep.equal({
      status: 409,
      code: "request_id_already_used",
    });
    expect(await available(a)).to.equal(afterFirst);
    const bStart = await available(b);
    await ask(b, 1);
    await waitForSettled(c().postgres.pool, ["replay-sealed"]);
    expect(bStart - (await available(b)) > 0n).to.equal(true);
  });

  it("leaves a clean ledger: zero-sum, no drift, no open holds, nobody negative, providers paid floor(95 %)", async () => {
    const db = c().postgres.pool;
    const audit = await auditLedgerWhenSettled(db);
    expect(audit).to.deep.include(CLEAN_LEDGER);
    expect(audit.settlements.length).to.be.greaterThan(0);
    for (const row of audit.settlements) {
      const want = expectedCharge(row);
      expect(row.charged_micro_usd).to.equal(want.charged);
      expect(row.provider_credit_micro_usd).to.equal(want.provider);
    }
  });
});
