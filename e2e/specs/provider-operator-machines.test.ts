// GET /v1/provider/machines(/{id}) and GET /v1/billing/payouts/history against the running
// system: a real provider linked to operator A by the `darkbloom login` device flow serves a
// request; A sees the machine online with its model, tokens served and earnings; operator B sees
// none of it and is refused A's machine by id; a consumer is refused the operator routes.
import { expect } from "chai";
import OpenAI from "openai";
import { startLinkedProvider, type LinkedProvider } from "../testbed/linked-provider.js";
import { TEST_MODEL_ID, ensureTestModel } from "../testbed/test-model.js";
import { startCoordinator, waitForModel, type RunningCoordinator } from "../testbed/testbed.js";

interface Machine {
  provider_id: string;
  online: boolean;
  models: string[];
  trust: string | null;
  requests: number;
  completion_tokens: number;
  earned_micro_usd: number;
}

describe("provider operators see only their own machines and payouts", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: LinkedProvider | undefined;
  const keys = { a: "", b: "", consumer: "" };

  const c = (): RunningCoordinator => {
    if (!coordinator) throw new Error("before hook did not run");
    return coordinator;
  };
  const get = async (path: string, key: string): Promise<Response> =>
    fetch(`${c().url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const account = async (name: string, role: string): Promise<string> => {
    const res = await fetch(`${c().url}/v1/admin/accounts`, {
      method: "POST",
      headers: { authorization: `Bearer ${c().apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name, role }),
    });
    expect(res.status).to.equal(201);
    return ((await res.json()) as { api_key: { key: string } }).api_key.key;
  };

  before(async () => {
    const modelDir = await ensureTestModel();
    coordinator = await startCoordinator({
      DARKBLOOM_REQUIRE_PROVIDER_TOKEN: "true",
      DARKBLOOM_DEVICE_POLL_INTERVAL_MS: "1000",
      DARKBLOOM_PAYOUT_MINIMUM_MICRO_USD: "0",
    });
    keys.a = await account("operator-a", "provider");
    keys.b = await account("operator-b", "provider");
    keys.consumer = await account("consumer", "consumer");
    provider = await startLinkedProvider(coordinator.url, keys.a, modelDir);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
  });

  after(async () => {
    await provider?.stop();
    await coordinator?.stop();
  });

  it("the owner sees the machine online with its model, tokens served and earnings", async () => {
    const client = new OpenAI({ baseURL: `${c().url}/v1`, apiKey: c().apiKey, maxRetries: 0 });
    const reply = await client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "hello" }],
      max_tokens: 8,
    });
    const res = await get("/v1/provider/machines", keys.a);
    expect(res.status).to.equal(200);
    const { data } = (await res.json()) as { data: Machine[] };
    expect(data, JSON.stringify(data)).to.have.length(1);
    const [m] = data;
    expect(m?.online).to.equal(true);
    expect(m?.models).to.deep.equal([TEST_MODEL_ID]);
    expect(m?.trust).to.be.a("string");
    expect(m?.requests).to.equal(1);
    expect(m?.completion_tokens).to.equal(reply.usage?.completion_tokens);
    expect(m?.earned_micro_usd).to.be.greaterThan(0);
    // the machine's earnings are the operator's earnings (one machine, one request)
    const payouts = (await (await get("/v1/billing/payouts", keys.a)).json()) as {
      earnings_micro_usd: number;
      connect: unknown;
    };
    expect(payouts.earnings_micro_usd).to.equal(m?.earned_micro_usd);
    expect(payouts.connect).to.equal(null);
    const one = await get(`/v1/provider/machines/${m?.provider_id ?? ""}`, keys.a);
    expect(one.status).to.equal(200);
    expect(((await one.json()) as Machine).provider_id).to.equal(m?.provider_id);
  });

  it("another operator lists nothing and is refused the machine by id (404, no details)", async () => {
    const mine = (await (await get("/v1/provider/machines", keys.a)).json()) as { data: Machine[] };
    const id = mine.data[0]?.provider_id ?? "";
    expect(id).not.to.equal("");
    const list = await get("/v1/provider/machines", keys.b);
    expect(list.status).to.equal(200);
    expect(((await list.json()) as { data: Machine[] }).data).to.deep.equal([]);
    const theirs = await get(`/v1/provider/machines/${encodeURIComponent(id)}`, keys.b);
    expect(theirs.status).to.equal(404);
    const body = (await theirs.json()) as { error: { code: string; message: string } };
    expect(body.error.code).to.equal("machine_not_found");
    expect(JSON.stringify(body)).not.to.contain(TEST_MODEL_ID);
    const history = (await (await get("/v1/billing/payouts/history", keys.b)).json()) as {
      data: unknown[];
    };
    expect(history.data).to.deep.equal([]);
    const balance = (await (await get("/v1/billing/payouts", keys.b)).json()) as {
      earnings_micro_usd: number;
    };
    expect(balance.earnings_micro_usd).to.equal(0);
  });

  it("consumer and admin accounts are refused the operator routes (403)", async () => {
    for (const key of [keys.consumer, c().apiKey])
      for (const path of [
        "/v1/provider/machines",
        "/v1/provider/machines/anything",
        "/v1/billing/payouts/history",
      ]) {
        const res = await get(path, key);
        expect(res.status, path).to.equal(403);
        expect(((await res.json()) as { error: { type: string } }).error.type).to.equal(
          "permission_error",
        );
      }
    expect((await get("/v1/provider/machines", "")).status).to.equal(401);
  });

  it("a bad history limit is a 400 with an OpenAI-style error", async () => {
    const res = await get("/v1/billing/payouts/history?limit=0", keys.a);
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).to.equal("limit");
  });
});
