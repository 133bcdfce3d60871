// Money and accounts through the real HTTP surface: two coordinators on one Postgres, fake
// providers speaking the real protocol, the real `stripe` client inside the coordinator talking to
// a local fake Stripe, webhooks signed with Stripe's scheme, and the official OpenAI client.
import { FakeStripe } from "@darkbloom/testing";
import { expect } from "chai";
import { SignJWT } from "jose";
import OpenAI, { APIError } from "openai";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { waitForLeasesReturned } from "../testbed/ledger-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";

const WEBHOOK_SECRET = "whsec_e2e_money";
const JWT_SECRET = "e2e-session-secret-with-32-bytes-or-more";
const JWT_ISSUER = "https://id.darkbloom.test";

type Reply = { status: number; headers: Headers; json: Record<string, unknown> };

async function api(
  base: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

const field = (reply: Reply, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (node, key) => (node as Record<string, unknown> | undefined)?.[key],
    reply.json,
  );

describe("money and accounts over HTTP (two coordinators, one Postgres, fake Stripe)", function () {
  this.timeout(120_000);
  let cluster: Cluster | undefined;
  let stripe: FakeStripe | undefined;
  let a = "";
  let b = "";
  let admin = "";

  before(async () => {
    stripe = await FakeStripe.start({ webhookSecret: WEBHOOK_SECRET });
    cluster = await startCluster({
      coordinators: 2,
      fakeProvidersPerCoordinator: 1,
      env: {
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        DARKBLOOM_STRIPE_API_URL: `http://127.0.0.1:${stripe.port}`,
        DARKBLOOM_REFERRAL_SHARE_PERCENT: "20",
        DARKBLOOM_JWT_ISSUER: JWT_ISSUER,
        DARKBLOOM_JWT_HS256_SECRET: JWT_SECRET,
      },
    });
    a = cluster.coordinators[0]?.url ?? "";
    b = cluster.coordinators[1]?.url ?? "";
    admin = cluster.adminKey;
  });
  after(async () => {
    await cluster?.stop();
    await stripe?.close();
  });

  const newAccount = async (
    role: "consumer" | "provider" = "consumer",
  ): Promise<{ id: string; key: string }> => {
    const created = await api(a, admin, "POST", "/v1/admin/accounts", {
      name: `user-${role}`,
      role,
    });
    expect(created.status).to.equal(201);
    return { id: String(created.json.id), key: String(field(created, "api_key", "key")) };
  };
  const available = async (key: string): Promise<number> =>
    Number(field(await api(b, key, "GET", "/v1/me"), "balance", "available_micro_usd"));
  const chat = (base: string, key: string) =>
    new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0 }).chat.completions
      .create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hello" }],
        max_tokens: 8,
      })
      .withResponse();
  const failure = async (work: Promise<unknown>): Promise<APIError> => {
    try {
      await work;
    } catch (error) {
      if (error instanceof APIError) return error;
      throw error;
    }
    throw new Error("the request succeeded");
  };

  it("answers 402 before dispatch when the balance cannot cover the request, and /v1/me shows the account", async () => {
    const user = await newAccount();
    const me = await api(a, user.key, "GET", "/v1/me");
    expect(me.json).to.include({ id: user.id, role: "consumer", authenticated_with: "api_key" });
    expect(me.json.balance).to.deep.equal({
      balance_micro_usd: 0,
      held_micro_usd: 0,
      available_micro_usd: 0,
    });
    const error = await failure(chat(a, user.key));
    expect(error.status).to.equal(402);
    expect(error.code).to.equal("insufficient_balance");
  });

  it("redeems an invite once per account and refuses it when its uses are gone", async () => {
    const invite = await api(a, admin, "POST", "/v1/admin/invites", {
      credit_micro_usd: 2_000_000,
      max_uses: 1,
    });
    expect(invite.status).to.equal(201);
    const code = String(invite.json.code);
    const first = await newAccount();
    const redeemed = await api(a, first.key, "POST", "/v1/invites/redeem", { code });
    expect(redeemed.json).to.include({ credit_micro_usd: 2_000_000, already_redeemed: false });
    const again = await api(b, first.key, "POST", "/v1/invites/redeem", { code });
    expect(again.json).to.include({ already_redeemed: true });
    expect(await available(first.key)).to.equal(2_000_000);
    const second = await newAccount();
    const usedUp = await api(a, second.key, "POST", "/v1/invites/redeem", { code });
    expect(usedUp.status).to.equal(409);
    expect(field(usedUp, "error", "code")).to.equal("invite_used_up");
    expect(await available(second.key)).to.equal(0);
  });

  it("deposits through Stripe Checkout: credited once on the signed webhook, replays and forgeries change nothing", async () => {
    const user = await newAccount();
    const checkout = await api(a, user.key, "POST", "/v1/billing/checkout", {
      amount_micro_usd: 5_000_000,
    });
    expect(checkout.status).to.equal(201);
    expect(String(checkout.json.url)).to.match(/\/c\/pay\/cs_test_/);
    const sessionId = String(checkout.json.id);
    const webhook = `${b}/v1/billing/stripe-webhook`;
    const paid = await stripe?.payCheckout(sessionId, webhook);
    expect(paid?.status).to.equal(200);
    expect(await available(user.key)).to.equal(5_000_000);
    const replay = await stripe?.resendEvent(paid?.eventId ?? "", `${a}/v1/billing/stripe-webhook`);
    expect(replay?.status).to.equal(200);
    expect(JSON.parse(replay?.body ?? "{}")).to.include({ replayed: true });
    const session = stripe?.sessions.get(sessionId) ?? { id: sessionId };
    const forged = await stripe?.sendEvent(
      "checkout.session.completed",
      { ...session, id: sessionId },
      webhook,
      "whsec_forged",
    );
    expect(forged?.status).to.equal(400);
    const unsigned = await fetch(webhook, { method: "POST", body: "{}" });
    expect(unsigned.status).to.equal(400);
    await unsigned.body?.cancel();
    expect(await available(user.key)).to.equal(5_000_000);
  });

  it("sets a price as admin, publishes it, and records it with each settled request in the usage history", async () => {
    const price = {
      input_micro_usd_per_million: 3_000_000,
      output_micro_usd_per_million: 9_000_000,
    };
    const notAdmin = await newAccount();
    expect(
      (await api(a, notAdmin.key, "PUT", `/v1/admin/prices/${TEST_MODEL_ID}`, price)).status,
    ).to.equal(403);
    expect(
      (await api(a, admin, "PUT", `/v1/admin/prices/${TEST_MODEL_ID}`, price)).status,
    ).to.equal(200);
    const pricing = await fetch(`${b}/v1/pricing`).then(
      (r) => r.json() as Promise<{ data: { model: string }[] }>,
    );
    expect(pricing.data.find((p) => p.model === TEST_MODEL_ID)).to.include(price);

    const user = await newAccount();
    const invite = await api(a, admin, "POST", "/v1/admin/invites", {
      credit_micro_usd: 1_000_000,
    });
    await api(a, user.key, "POST", "/v1/invites/redeem", { code: String(invite.json.code) });
    const { data, response } = await chat(a, user.key);
    const requestId = response.headers.get("x-request-id") ?? "";
    const usage = await api(b, user.key, "GET", "/v1/usage");
    const rows = usage.json.data as Record<string, unknown>[];
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({
      request_id: requestId,
      model: TEST_MODEL_ID,
      prompt_tokens: data.usage?.prompt_tokens,
      completion_tokens: data.usage?.completion_tokens,
    });
    expect(rows[0]?.price).to.deep.equal(price);
    expect(String(rows[0]?.provider)).to.match(/^prov_[0-9a-f]{12}$/);
    const cost = Math.ceil(
      ((data.usage?.prompt_tokens ?? 0) * 3_000_000 +
        (data.usage?.completion_tokens ?? 0) * 9_000_000) /
        1_000_000,
    );
    expect(rows[0]?.cost_micro_usd).to.equal(cost);
    // The request's hold was placed against a credit lease: its unused credit is back in the
    // wallet (available) once the replica returns the idle lease.
    await waitForLeasesReturned(cluster?.postgres.pool ?? never());
    expect(await available(user.key)).to.equal(1_000_000 - cost);
    const one = await api(a, user.key, "GET", `/v1/usage/${requestId}`);
    expect(one.json).to.include({ request_id: requestId, cost_micro_usd: cost });
    expect((await api(a, notAdmin.key, "GET", `/v1/usage/${requestId}`)).status).to.equal(404);
  });

  it("limits a key's requests per minute across both coordinators: 429 with Retry-After and a machine-readable code", async () => {
    const user = await newAccount();
    const invite = await api(a, admin, "POST", "/v1/admin/invites", {
      credit_micro_usd: 1_000_000,
    });
    await api(a, user.key, "POST", "/v1/invites/redeem", { code: String(invite.json.code) });
    const limited = await api(a, user.key, "POST", "/v1/keys", { name: "rpm-2", rpm_limit: 2 });
    expect(limited.status).to.equal(201);
    const key = String(limited.json.key);
    const results = await Promise.allSettled([a, b, a, b, a, b].map((base) => chat(base, key)));
    const refused = results.flatMap((r) =>
      r.status === "rejected" && r.reason instanceof APIError ? [r.reason as APIError] : [],
    );
    // A sliding 60-second window under the key's row lock: exactly two, whatever the second.
    expect(results.filter((r) => r.status === "fulfilled").length).to.equal(2);
    expect(refused.length).to.equal(results.filter((r) => r.status === "rejected").length);
    expect(refused.length).to.be.at.least(2);
    for (const error of refused) {
      expect(error.status).to.equal(429);
      expect(error.code).to.equal("rate_limit_requests");
      expect(Number(error.headers?.get("retry-after"))).to.be.within(1, 60);
    }
  });

  it("refuses a request larger than the key's whole TPM limit with 429 and no Retry-After, on an idle key", async () => {
    const user = await newAccount();
    const invite = await api(a, admin, "POST", "/v1/admin/invites", {
      credit_micro_usd: 1_000_000,
    });
    await api(a, user.key, "POST", "/v1/invites/redeem", { code: String(invite.json.code) });
    const limited = await api(a, user.key, "POST", "/v1/keys", { name: "tpm-5", tpm_limit: 5 });
    const error = await failure(chat(b, String(limited.json.key)));
    expect(error.status).to.equal(429);
    expect(error.code).to.equal("rate_limit_tokens");
    expect(error.message).to.match(/can never fit/);
    expect(error.headers?.get("retry-after")).to.equal(null);
  });

  it("onboards a provider operator to Stripe Connect and refuses payouts until Stripe enables them", async () => {
    const operator = await newAccount("provider");
    const onboard = await api(a, operator.key, "POST", "/v1/billing/connect/onboard", {});
    expect(onboard.status).to.equal(200);
    expect(onboard.json).to.include({ object: "connect_onboarding", payouts_enabled: false });
    const accountId = String(onboard.json.stripe_account_id);
    expect(String(onboard.json.url)).to.contain(accountId);
    const refused = await api(b, operator.key, "POST", "/v1/billing/payouts", {
      amount_micro_usd: 10_000,
    });
    // A precondition, not a billing refusal: 409 (a 402 is only ever the balance or a key budget).
    expect(refused.status).to.equal(409);
    expect(field(refused, "error", "code")).to.equal("failed_precondition");
    expect(String(field(refused, "error", "message"))).to.match(/payouts are not enabled/);
    const updated = await stripe?.completeOnboarding(accountId, `${b}/v1/billing/stripe-webhook`);
    expect(updated?.status).to.equal(200);
    const again = await api(a, operator.key, "POST", "/v1/billing/connect/onboard", {});
    expect(again.json).to.include({ stripe_account_id: accountId, payouts_enabled: true });
    // Enabled now: the refusal is about the (empty) balance, not the account.
    const noFunds = await api(b, operator.key, "POST", "/v1/billing/payouts", {
      amount_micro_usd: 10_000,
    });
    expect(String(field(noFunds, "error", "message"))).to.match(/withdrawable/);
  });

  it("refuses a key over its spend budget with 402 budget_exceeded", async () => {
    const user = await newAccount();
    const invite = await api(a, admin, "POST", "/v1/admin/invites", {
      credit_micro_usd: 1_000_000,
    });
    await api(a, user.key, "POST", "/v1/invites/redeem", { code: String(invite.json.code) });
    const budgeted = await api(a, user.key, "POST", "/v1/keys", {
      name: "tiny budget",
      budget_micro_usd: 1,
      budget_period: "day",
    });
    const key = String(budgeted.json.key);
    // A request's worst case (prompt estimate + max_tokens) must fit: 1 micro-USD never does.
    for (const base of [a, b]) {
      const error = await failure(chat(base, key));
      expect(error.status).to.equal(402);
      expect(error.code).to.equal("budget_exceeded");
    }
  });

  it("lists and revokes keys; a revoked key gets 401 on every coordinator", async () => {
    const user = await newAccount();
    const created = await api(a, user.key, "POST", "/v1/keys", {
      name: "laptop",
      scopes: ["inference"],
    });
    const listed = await api(b, user.key, "GET", "/v1/keys");
    const names = (listed.json.data as { name: string; prefix: string }[]).map((k) => k.name);
    expect(names).to.include.members(["laptop", "first key"]);
    expect(JSON.stringify(listed.json)).to.not.include(String(created.json.key));
    const other = await newAccount();
    expect(
      (await api(a, other.key, "DELETE", `/v1/keys/${String(created.json.id)}`)).status,
    ).to.equal(404);
    expect(
      (await api(a, user.key, "DELETE", `/v1/keys/${String(created.json.id)}`)).status,
    ).to.equal(200);
    for (const base of [a, b]) {
      const refused = await api(base, String(created.json.key), "GET", "/v1/me");
      expect(refused.status).to.equal(401);
      expect(field(refused, "error", "code")).to.equal("invalid_api_key");
    }
  });

  it("accepts a console session JWT of the configured issuer instead of an API key", async () => {
    const user = await newAccount("provider");
    const sign = (secret: string) =>
      new SignJWT({})
        .setSubject(user.id)
        .setIssuer(JWT_ISSUER)
        .setAudience("darkbloom")
        .setExpirationTime("5m")
        .setProtectedHeader({ alg: "HS256" })
        .sign(Buffer.from(secret));
    const me = await api(b, await sign(JWT_SECRET), "GET", "/v1/me");
    expect(me.status).to.equal(200);
    expect(me.json).to.include({ id: user.id, role: "provider", authenticated_with: "session" });
    expect((await api(b, await sign("x".repeat(40)), "GET", "/v1/me")).status).to.equal(401);
  });

  it("shares the platform fee with the referrer of an account", async () => {
    const referrer = await newAccount();
    const referred = await newAccount();
    const code = String((await api(a, referrer.key, "GET", "/v1/referral-code")).json.code);
    expect((await api(a, referred.key, "POST", "/v1/referrals/apply", { code })).status).to.equal(
      200,
    );
    const invite = await api(a, admin, "POST", "/v1/admin/invites", {
      credit_micro_usd: 1_000_000,
    });
    await api(a, referred.key, "POST", "/v1/invites/redeem", { code: String(invite.json.code) });
    const { response } = await chat(a, referred.key);
    const usage = await api(
      a,
      referred.key,
      "GET",
      `/v1/usage/${response.headers.get("x-request-id") ?? ""}`,
    );
    const cost = Number(usage.json.cost_micro_usd);
    const fee = cost - Math.floor((cost * 95) / 100);
    expect(await available(referrer.key)).to.equal(Math.floor((fee * 20) / 100));
  });
});

function never(): never {
  throw new Error("the cluster did not start");
}
