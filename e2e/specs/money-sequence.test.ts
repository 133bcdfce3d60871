// The money sequence (services/edge/src/core/request-money.ts) through a real coordinator
// process, real Postgres and a fake provider, seen by the `openai` client: a key that refuses
// the request after the ledger's hold releases that hold (nothing charged, the ledger whole), and
// a routing reservation that expires before the request starts is a 409 `reservation_expired`,
// never a billing error. DARKBLOOM_RESERVATION_TTL_MS=0 makes every routing reservation expire
// before the relay takes it.
import { sql } from "@darkbloom/db";
import { createAccount, createApiKey, type KeyLimits } from "@darkbloom/auth";
import { expect } from "chai";
import OpenAI, { APIError } from "openai";
import { z } from "zod";
import { ledgerAdminClient } from "../testbed/admin-client.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { auditLedgerWhenSettled, balanceOf, CLEAN_LEDGER } from "../testbed/ledger-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";

const CREDIT = 1_000_000n;
const NO_LIMITS: KeyLimits = {
  rpmLimit: null,
  tpmLimit: null,
  budgetMicroUsd: null,
  budgetPeriod: "day",
};

describe("money sequence: key refusals after the hold, expired reservations", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;
  let url = "";

  before(async () => {
    cluster = await startCluster({
      coordinators: 1,
      fakeProvidersPerCoordinator: 1,
      env: { DARKBLOOM_RESERVATION_TTL_MS: "0" },
    });
    url = cluster.coordinators[0]?.url ?? "";
    // 1 µUSD per completion token, prompts free: a request's worst case is its max_tokens.
    const priced = await fetch(`${url}/v1/admin/prices/${TEST_MODEL_ID}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${cluster.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ input_micro_usd_per_million: 0, output_micro_usd_per_million: 1e6 }),
    });
    expect(priced.status).to.equal(200);
  });
  after(async () => {
    await cluster?.stop();
  });

  const db = () => {
    if (!cluster) throw new Error("before hook did not run");
    return cluster.postgres.pool;
  };
  /** A funded consumer with one key carrying `limits`. */
  const consumer = async (name: string, limits: Partial<KeyLimits>) => {
    const account = await createAccount(db(), name, "consumer");
    const key = await createApiKey(db(), account.id, `${name}-key`, ["inference"], {
      ...NO_LIMITS,
      ...limits,
    });
    await ledgerAdminClient(url, cluster?.adminKey ?? "").credit({
      accountId: account.id,
      amountMicroUsd: CREDIT,
      reason: "money-sequence e2e",
      idempotencyKey: `money-sequence:${account.id}`,
    });
    return {
      accountId: account.id,
      keyId: key.id,
      client: new OpenAI({ baseURL: `${url}/v1`, apiKey: key.key, maxRetries: 0 }),
    };
  };
  const refusal = async (request: Promise<unknown>): Promise<APIError> => {
    const err = await request.then(
      () => {
        throw new Error("the request was not refused");
      },
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(APIError);
    return err as APIError;
  };
  const chat = (client: OpenAI, maxTokens: number, requestId?: string) =>
    client.chat.completions.create(
      {
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hello" }],
        max_tokens: maxTokens,
      },
      requestId ? { headers: { "x-request-id": requestId } } : {},
    );
  const reservationsOf = (keyId: string) =>
    db().oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM api_key_reservations WHERE key_id = ${keyId}`);

  it("releases the hold when the key's budget cannot cover the held worst case (402 budget_exceeded)", async () => {
    const user = await consumer("money-seq-budget", { budgetMicroUsd: 5n });
    // Admitted (nothing spent yet), held (10 µUSD), then refused by the key: 10 > 5.
    const err = await refusal(chat(user.client, 10, "money-seq-budget-1"));
    expect(err).to.include({ status: 402, type: "insufficient_quota", code: "budget_exceeded" });
    const audit = await auditLedgerWhenSettled(db());
    expect(audit).to.deep.include(CLEAN_LEDGER);
    expect(await balanceOf(db(), `consumer:${user.accountId}`)).to.equal(CREDIT);
    expect(await reservationsOf(user.keyId)).to.equal(0);
    // Nothing ran and nothing was charged: the same request id may be retried.
    const again = await refusal(chat(user.client, 10, "money-seq-budget-1"));
    expect(again).to.include({ status: 402, code: "budget_exceeded" });
  });

  it("releases the hold when the request is larger than the key's whole TPM limit (429, no Retry-After)", async () => {
    const user = await consumer("money-seq-tpm", { tpmLimit: 5n });
    const err = await refusal(chat(user.client, 50));
    expect(err).to.include({ status: 429, type: "rate_limit_error", code: "rate_limit_tokens" });
    expect(err.headers?.get("retry-after")).to.equal(null);
    expect(await auditLedgerWhenSettled(db())).to.deep.include(CLEAN_LEDGER);
    expect(await balanceOf(db(), `consumer:${user.accountId}`)).to.equal(CREDIT);
    expect(await reservationsOf(user.keyId)).to.equal(0);
  });

  it("answers an expired routing reservation with 409 reservation_expired, not 402 insufficient_quota, and charges nothing", async () => {
    const user = await consumer("money-seq-expired", { budgetMicroUsd: 1_000n });
    const err = await refusal(chat(user.client, 10));
    expect(err).to.include({
      status: 409,
      type: "invalid_request_error",
      code: "reservation_expired",
    });
    expect(err.message).to.include("nothing was charged");
    expect(await auditLedgerWhenSettled(db())).to.deep.include(CLEAN_LEDGER);
    expect(await balanceOf(db(), `consumer:${user.accountId}`)).to.equal(CREDIT);
    // The key's reservation went with the settlement: nothing stays counted against its budget.
    expect(await reservationsOf(user.keyId)).to.equal(0);
  });
});
