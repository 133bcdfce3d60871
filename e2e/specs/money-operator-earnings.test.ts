import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { REPO_ROOT, spawnTs, type Spawned } from "../testbed/child-process.js";
import { TEST_MODEL_ID, ensureTestModel } from "../testbed/test-model.js";
import { startCoordinator, waitForModel, type RunningCoordinator } from "../testbed/testbed.js";

const CLI = path.join(REPO_ROOT, "provider/src/cli/main.ts");

interface Payouts {
  earnings_micro_usd: number;
  withdrawable_micro_usd: number;
}

describe("a provider logged in via device code earns into its operator's account", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let home = "";
  let operatorKey = "";
  let operatorId = "";
  const running: Spawned[] = [];

  const api = async (method: string, p: string, key: string, body?: unknown): Promise<Response> =>
    fetch(`${coordinator?.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const payouts = async (): Promise<Payouts> =>
    (await (await api("GET", "/v1/billing/payouts", operatorKey)).json()) as Payouts;

  before(async () => {
    const modelDir = await ensureTestModel();
    coordinator = await startCoordinator({
      DARKBLOOM_REQUIRE_PROVIDER_TOKEN: "true",
      DARKBLOOM_DEVICE_POLL_INTERVAL_MS: "1000",
      DARKBLOOM_PAYOUT_MINIMUM_MICRO_USD: "0",
    });
    home = await mkdtemp(path.join(tmpdir(), "darkbloom-operator-"));
    const created = await api("POST", "/v1/admin/accounts", coordinator.apiKey, {
      name: "operator",
      role: "provider",
    });
    expect(created.status).to.equal(201);
    const account = (await created.json()) as { id: string; api_key: { key: string } };
    operatorId = account.id;
    operatorKey = account.api_key.key;

    // darkbloom login, approved by the operator account
    const login = spawnTs(CLI, ["login", "--coordinator", coordinator.url], {
      DARKBLOOM_HOME: home,
      LOG_LEVEL: "warn",
    });
    running.push(login);
    const [, userCode] = (await login.waitFor(/code: ([A-Z]{4}-[A-Z]{4})/, 30_000)) as unknown as [
      string,
      string,
    ];
    const approve = await api("POST", "/v1/device/approve", operatorKey, { user_code: userCode });
    expect(approve.status).to.equal(200);
    const code = await new Promise<number | null>((r) => login.child.once("exit", (c) => r(c)));
    expect(code, login.output()).to.equal(0);

    const provider = spawnTs(
      CLI,
      ["start", "--coordinator", coordinator.url, "--model", modelDir],
      { DARKBLOOM_HOME: home, LOG_LEVEL: "warn" },
    );
    running.push(provider);
    await provider.waitFor(/provider serving/, 60_000);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID);
  });

  after(async () => {
    for (const p of running.reverse()) await p.stop();
    await coordinator?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("credits 95% of the charge to the operator; usage by generation id; cost in the response; status shows it", async () => {
    const before = await payouts();
    const client = new OpenAI({
      baseURL: `${coordinator?.url}/v1`,
      apiKey: coordinator?.apiKey ?? "",
      maxRetries: 0,
    });
    const { data, response } = await client.chat.completions
      .create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "Count the waves." }],
        max_tokens: 16,
        temperature: 0,
      })
      .withResponse();
    const requestId = response.headers.get("x-request-id") ?? "";
    const generationId = response.headers.get("x-darkbloom-generation-id") ?? "";
    expect(generationId).to.equal(data.id);

    // usage by generation id and by request id: the same settled record
    const byGeneration = await api("GET", `/v1/usage/${generationId}`, coordinator?.apiKey ?? "");
    expect(byGeneration.status).to.equal(200);
    const record = (await byGeneration.json()) as {
      request_id: string;
      generation_id: string;
      cost_micro_usd: number;
      completion_tokens: number;
    };
    expect(record.request_id).to.equal(requestId);
    expect(record.generation_id).to.equal(generationId);
    expect(record.completion_tokens).to.equal(data.usage?.completion_tokens);
    const byRequest = await api("GET", `/v1/usage/${requestId}`, coordinator?.apiKey ?? "");
    expect(await byRequest.json()).to.deep.equal(record);
    // another account cannot look it up by either id
    expect((await api("GET", `/v1/usage/${generationId}`, operatorKey)).status).to.equal(404);

    // a non-streaming response carries the settled cost, as streams do
    const cost = (data.usage as { cost?: number } | undefined)?.cost;
    expect(cost).to.be.a("number");
    expect(Math.round((cost ?? 0) * 1_000_000)).to.equal(record.cost_micro_usd);
    expect(record.cost_micro_usd).to.be.greaterThan(0);

    const after = await payouts();
    const share = Math.floor((record.cost_micro_usd * 95) / 100);
    expect(after.withdrawable_micro_usd - before.withdrawable_micro_usd).to.equal(share);
    expect(after.earnings_micro_usd - before.earnings_micro_usd).to.equal(share);

    // darkbloom status reads the same earnings
    const status = spawnTs(CLI, ["status", "--json"], { DARKBLOOM_HOME: home, LOG_LEVEL: "warn" });
    await new Promise<void>((r) => status.child.once("exit", () => r()));
    const line = status
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .at(-1);
    const s = JSON.parse(line ?? "null") as {
      earnings: { accountId: string; balanceMicroUsd: string };
    };
    expect(s.earnings.accountId).to.equal(operatorId);
    expect(Number(s.earnings.balanceMicroUsd)).to.equal(after.earnings_micro_usd);
  });
});
