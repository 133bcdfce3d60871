// A key's spend budget counts the worst cases of its in-flight requests: a burst of concurrent
// requests through two coordinators on one Postgres never spends past the budget, and once
// requests settle for less than their worst case the difference is available again.
import { expect } from "chai";
import OpenAI, { APIError } from "openai";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";

async function api(base: string, key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("per-key budget with requests in flight (two coordinators, one Postgres)", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;
  let a = "";
  let b = "";
  let admin = "";

  before(async () => {
    cluster = await startCluster({ coordinators: 2, fakeProvidersPerCoordinator: 1 });
    a = cluster.coordinators[0]?.url ?? "";
    b = cluster.coordinators[1]?.url ?? "";
    admin = cluster.adminKey;
    // 1 micro-USD per completion token, prompts free: a request's worst case is its max_tokens.
    const priced = await api(a, admin, "PUT", `/v1/admin/prices/${TEST_MODEL_ID}`, {
      input_micro_usd_per_million: 0,
      output_micro_usd_per_million: 1_000_000,
    });
    expect(priced.status).to.equal(200);
  });
  after(async () => {
    await cluster?.stop();
  });

  const keyWithBudget = async (budgetMicroUsd: number): Promise<string> => {
    const created = await api(a, admin, "POST", "/v1/admin/accounts", {
      name: "budgeted",
      role: "consumer",
    });
    const userKey = String((created.json.api_key as { key: string }).key);
    const invite = await api(a, admin, "POST", "/v1/admin/invites", {
      credit_micro_usd: 1_000_000,
    });
    await api(a, userKey, "POST", "/v1/invites/redeem", { code: String(invite.json.code) });
    const key = await api(a, userKey, "POST", "/v1/keys", {
      name: "budgeted",
      // inference, and reading its own usage (a key made without scopes is inference-only)
      scopes: ["inference", "account:read"],
      budget_micro_usd: budgetMicroUsd,
      budget_period: "day",
    });
    return String(key.json.key);
  };
  // The fake fleet answers min(max_tokens, 9) completion tokens to "hello".
  const chat = (base: string, key: string, maxTokens: number) =>
    new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0 }).chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "hello" }],
      max_tokens: maxTokens,
    });

  it("admits exactly the concurrent requests that fit the budget and never spends past it", async () => {
    const key = await keyWithBudget(10);
    // 20 requests, worst case 2 each (= their actual cost), race through both coordinators.
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => chat(i % 2 === 0 ? a : b, key, 2)),
    );
    const done = results.filter((r) => r.status === "fulfilled");
    expect(done).to.have.length(5);
    for (const r of results) {
      if (r.status === "fulfilled") continue;
      expect(r.reason).to.be.instanceOf(APIError);
      expect(r.reason).to.include({ status: 402, code: "budget_exceeded" });
    }
    const usage = await api(b, key, "GET", "/v1/usage?limit=100");
    const spent = (usage.json.data as { cost_micro_usd: number }[]).reduce(
      (sum, u) => sum + u.cost_micro_usd,
      0,
    );
    expect(spent).to.equal(10);
  });

  it("frees the unused part of a worst case once the request settles", async () => {
    const key = await keyWithBudget(20);
    // Worst case 20 (the whole budget), settled at 9 (the fake answers 9 tokens to "hello"): 11 are left.
    expect((await chat(a, key, 20)).usage?.completion_tokens).to.equal(9);
    const refused = await chat(b, key, 12).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).to.include({ status: 402, code: "budget_exceeded" });
    expect((await chat(b, key, 11)).usage?.completion_tokens).to.equal(9);
  });
});
