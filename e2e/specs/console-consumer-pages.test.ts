// The console's consumer pages in a real browser (Debian's Chromium) against the running system:
// a coordinator on a shared embedded Postgres, a real provider process serving the test model,
// the fake Stripe with its hosted Checkout page. Sign in with an API key, create a key on the
// keys page and use it with the official `openai` client, see that request on the usage page
// under the key's name, revoke it; a streamed chat in the playground; a deposit through Checkout
// credited by the signed webhook, with the ledger audited after; every page at phone width.
import { expect } from "chai";
import OpenAI from "openai";
import type { Page } from "playwright-core";
import { FakeStripe } from "@darkbloom/testing";
import {
  ensureConsoleBuilt,
  launchBrowser,
  screenshot,
  sendAndAwaitReply,
  seriousAxeViolations,
  signInWithKey,
  type RunningBrowser,
} from "../testbed/browser.js";
import { CLEAN_LEDGER, auditLedgerWhenSettled } from "../testbed/ledger-audit.js";
import { freePort } from "../testbed/free-port.js";
import { startSharedPostgres, type SharedPostgres } from "../testbed/shared-postgres.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

const WEBHOOK_SECRET = "whsec_console_pages";

describe("console: consumer pages (keys, usage, playground, billing) against the running system", function () {
  this.timeout(300_000);
  let pg: SharedPostgres | undefined;
  let stripe: FakeStripe | undefined;
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  let browser: RunningBrowser | undefined;
  let page: Page | undefined;
  let consumerKey = "";

  const c = (): RunningCoordinator => {
    if (!coordinator) throw new Error("before hook did not run");
    return coordinator;
  };
  const p = (): Page => {
    if (!page) throw new Error("before hook did not run");
    return page;
  };
  const admin = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${c().url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${c().apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status, path).to.equal(201);
    return (await res.json()) as Record<string, unknown>;
  };
  const signIn = (tab: Page, next: string): Promise<void> =>
    signInWithKey(tab, c().url, consumerKey, next);

  before(async () => {
    ensureConsoleBuilt();
    pg = await startSharedPostgres();
    stripe = await FakeStripe.start({ webhookSecret: WEBHOOK_SECRET });
    const port = await freePort();
    coordinator = await startCoordinator({
      DATABASE_URL: pg.url,
      DARKBLOOM_PORT: String(port),
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      DARKBLOOM_STRIPE_API_URL: `http://127.0.0.1:${stripe.port}`,
      DARKBLOOM_CHECKOUT_SUCCESS_URL: `http://127.0.0.1:${port}/console/billing?checkout=success`,
      DARKBLOOM_CHECKOUT_CANCEL_URL: `http://127.0.0.1:${port}/console/billing?checkout=cancelled`,
    });
    stripe.checkoutWebhookUrl = `${coordinator.url}/v1/billing/stripe-webhook`;
    provider = await startProvider(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID, 60_000);
    const account = (await admin("/v1/admin/accounts", { name: "ada", role: "consumer" })) as {
      api_key: { key: string };
    };
    consumerKey = account.api_key.key;
    const invite = await admin("/v1/admin/invites", { credit_micro_usd: 5_000_000 });
    const redeemed = await fetch(`${coordinator.url}/v1/invites/redeem`, {
      method: "POST",
      headers: { authorization: `Bearer ${consumerKey}`, "content-type": "application/json" },
      body: JSON.stringify({ code: String(invite.code) }),
    });
    expect(redeemed.status).to.equal(200);
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });

  after(async () => {
    await browser?.close();
    await provider?.stop();
    await coordinator?.stop();
    await stripe?.close();
    await pg?.stop();
  });

  it("creates a key on the keys page, uses it with the openai client, finds it on the usage page, revokes it", async () => {
    const tab = p();
    await signIn(tab, "/keys");
    // keyboard only: type the name, Enter submits the form
    await tab.focus("#key-name");
    await tab.keyboard.type("ci-laptop");
    await tab.keyboard.press("Enter");
    const secret = await tab.getByTestId("new-key-secret").inputValue();
    expect(secret).to.match(/^db-/);
    await tab.getByRole("row").filter({ hasText: "ci-laptop" }).waitFor();
    await screenshot(tab, "keys-created");
    expect(await seriousAxeViolations(tab)).to.deep.equal([]);

    const client = new OpenAI({ baseURL: `${c().url}/v1`, apiKey: secret, maxRetries: 0 });
    const reply = await client.chat.completions.create({
      model: TEST_MODEL_ID,
      messages: [{ role: "user", content: "hello from the openai client" }],
      max_tokens: 8,
    });
    expect(reply.usage?.completion_tokens).to.be.greaterThan(0);

    // the usage page sums that request under the new key's name (computed by the server)
    await tab.getByRole("link", { name: "Usage" }).click();
    const row = tab.getByTestId("usage-table").getByRole("row").filter({ hasText: "ci-laptop" });
    for (let i = 0; i < 20 && (await row.count()) === 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      await tab.reload();
      await tab.getByTestId("usage-table").waitFor();
    }
    expect(await row.textContent()).to.contain(TEST_MODEL_ID);
    expect(await tab.locator('[data-testid="usage-chart"] rect').count()).to.equal(1);
    const download = tab.waitForEvent("download");
    await tab.getByRole("button", { name: "Export CSV" }).click();
    const csv = await (await download).createReadStream();
    let text = "";
    for await (const chunk of csv) text += String(chunk);
    expect(text.split("\r\n")[0]).to.equal(
      "api_key_id,api_key,model,requests,prompt_tokens,completion_tokens,cost_usd",
    );
    expect(text).to.contain(`,ci-laptop,${TEST_MODEL_ID},1,`);
    await screenshot(tab, "usage");
    expect(await seriousAxeViolations(tab)).to.deep.equal([]);

    // revoke on the keys page: the key stops working at once
    await tab.getByRole("link", { name: "Keys" }).click();
    await tab.getByRole("button", { name: "Revoke ci-laptop" }).click();
    await tab.getByRole("button", { name: "Yes, revoke" }).click();
    await tab
      .getByRole("row")
      .filter({ hasText: "ci-laptop" })
      .filter({ hasText: "Revoked" })
      .waitFor();
    const refused = await client.models.list().then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(OpenAI.APIError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).to.equal(401);
  });

  it("streams a chat reply from the real provider in the playground, with tokens and cost", async () => {
    const tab = p();
    await tab.getByRole("link", { name: "Playground" }).click();
    await tab
      .locator("#chat-model option", { hasText: TEST_MODEL_ID })
      .waitFor({ state: "attached" });
    await tab.fill("#chat-prompt", "Write a short poem about private inference.");
    await tab.fill("#chat-max", "24");
    await tab.locator("#chat-max").dispatchEvent("change");
    await sendAndAwaitReply(tab);
    const log = tab.getByTestId("chat-log");
    const reply = await log.locator("li.assistant p").first().textContent();
    expect(reply?.trim().length ?? 0).to.be.greaterThan(0);
    expect(await log.getByRole("alert").count()).to.equal(0);
    const meter = (await tab.getByTestId("chat-meter").textContent())?.replace(/\s+/g, " ") ?? "";
    const [, input, output] = /(\d+) input · (\d+) output tokens · \$([\d.]+)/.exec(meter) ?? [];
    expect(Number(input)).to.be.greaterThan(0);
    expect(Number(output)).to.be.within(1, 24);
    expect(meter).not.to.contain("estimate");
    await screenshot(tab, "playground");
    expect(await seriousAxeViolations(tab)).to.deep.equal([]);
  });

  it("deposits through the fake Stripe Checkout: the webhook credits the balance, history shows it, the ledger stays clean", async () => {
    const tab = p();
    await tab.getByRole("link", { name: "Billing" }).click();
    // The total: a credit lease taken for the playground's request counts as held, not available,
    // until it goes back to the wallet (docs/money.md), which may happen during the deposit.
    const before = (await tab.getByTestId("balance-total").textContent())?.trim() ?? "";
    await screenshot(tab, "billing");
    expect(await seriousAxeViolations(tab)).to.deep.equal([]);
    await tab.fill("#deposit-amount", "25");
    await tab.getByRole("button", { name: "Continue to payment" }).click();
    // Stripe's hosted page (the fake's), then back to the console
    await tab.waitForURL((u) => u.port === String(stripe?.port));
    expect(await tab.getByTestId("checkout-amount").textContent()).to.equal("$25.00");
    await screenshot(tab, "checkout");
    await tab.getByRole("button", { name: "Pay $25.00" }).click();
    await tab.waitForURL(
      (u) => u.pathname === "/console/billing" && u.search === "?checkout=success",
    );
    await tab.getByTestId("checkout-returned").waitFor();
    const history = tab.getByTestId("billing-history");
    await history
      .getByRole("row")
      .filter({ hasText: "$25.00" })
      .filter({ hasText: "Credited" })
      .waitFor();
    const after = (await tab.getByTestId("balance-total").textContent())?.trim() ?? "";
    const dollars = (s: string): number => Number(s.replace(/[$,]/g, ""));
    expect(dollars(after) - dollars(before)).to.be.closeTo(25, 0.0001);
    await screenshot(tab, "billing-deposited");
    expect(await seriousAxeViolations(tab)).to.deep.equal([]);

    const audit = await auditLedgerWhenSettled(pg?.pool ?? never());
    expect(audit.health).to.deep.equal(CLEAN_LEDGER.health);
    expect(audit.negativeAccounts).to.deep.equal([]);
    expect(audit.misPaidSettlements).to.deep.equal([]);
  });

  it("answers the pages' account routes for the caller's own account only, and refuses bad input with 400", async () => {
    const get = async (key: string, path: string) => {
      const res = await fetch(`${c().url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const mine = await get(consumerKey, "/v1/usage/summary");
    expect(mine.status).to.equal(200);
    const names = (mine.json.data as Array<{ api_key_name: string | null }>).map(
      (g) => g.api_key_name,
    );
    expect(names).to.include.members(["ci-laptop", "first key"]);
    const myHistory = await get(consumerKey, "/v1/billing/history");
    expect((myHistory.json.data as unknown[]).length).to.equal(2); // invite credit + deposit

    // another consumer sees none of it: not ada's keys, usage, deposits or credits
    const other = (await admin("/v1/admin/accounts", { name: "eve", role: "consumer" })) as {
      api_key: { key: string };
    };
    const eve = other.api_key.key;
    const eveUsage = await get(eve, "/v1/usage/summary");
    expect(eveUsage.json.data).to.deep.equal([]);
    expect(eveUsage.json.totals).to.include({ requests: 0, cost_micro_usd: 0 });
    expect((await get(eve, "/v1/billing/history")).json.data).to.deep.equal([]);
    const eveKeys = await get(eve, "/v1/keys");
    expect((eveKeys.json.data as Array<{ name: string }>).map((k) => k.name)).to.deep.equal([
      "first key",
    ]);
    const adaKeys = (await get(consumerKey, "/v1/keys")).json.data as Array<{
      id: string;
      name: string;
    }>;
    const adaKey = adaKeys.find((k) => k.name !== "ci-laptop");
    const stolen = await fetch(`${c().url}/v1/keys/${adaKey?.id ?? ""}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${eve}` },
    });
    expect(stolen.status).to.equal(404);
    expect((await get(consumerKey, "/v1/me")).status).to.equal(200);

    for (const path of [
      "/v1/usage/summary?since=yesterday",
      "/v1/usage/summary?limit=0",
      "/v1/usage/summary?since=100&until=50",
      "/v1/usage/summary?since=0",
      "/v1/billing/history?limit=1000",
    ]) {
      const bad = await get(consumerKey, path);
      expect(bad.status, path).to.equal(400);
      expect(bad.json.error, path).to.include({ type: "invalid_request_error" });
    }
  });

  it("fits a phone's width on every consumer page", async () => {
    const phone = await launchBrowser({ width: 390, height: 844 });
    try {
      const tab = await phone.context.newPage();
      await signIn(tab, "/playground");
      for (const [path, ready] of [
        ["/playground", "#chat-prompt"],
        ["/keys", "#key-name"],
        ["/usage", '[data-testid="usage-table"]'],
        ["/billing", '[data-testid="balance-available"]'],
      ] as const) {
        await tab
          .getByRole("link", { name: path.slice(1).replace(/^./, (ch) => ch.toUpperCase()) })
          .click();
        await tab.locator(ready).waitFor();
        // nothing sticks out sideways (wide tables scroll inside their own box)
        const wide = await tab.evaluate<string[]>(`[...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > 390 && !e.closest(".table-wrap"))
          .map((e) => e.tagName.toLowerCase() + ": " + e.textContent.slice(0, 40))`);
        expect(wide, path).to.deep.equal([]);
        expect(await tab.evaluate("document.documentElement.scrollWidth"), path).to.be.at.most(390);
        await screenshot(tab, `phone${path.replace("/", "-")}`);
      }
    } finally {
      await phone.close();
    }
  });
});

function never(): never {
  throw new Error("before hook did not run");
}
