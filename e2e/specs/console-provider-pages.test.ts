// The console's provider-operator pages in a real browser (Debian's Chromium) against the
// running system: a coordinator on a shared embedded Postgres with the fake Stripe, a real
// provider process linked to the operator's account by the `darkbloom login` device flow. The
// operator sees the machine online with its model and earnings; the payouts page shows the
// balance, onboards through the fake Stripe's hosted Connect page (keyboard only) and pays out;
// the ledger stays clean; a consumer is kept off these pages; every page at phone width.
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
import { startLinkedProvider, type LinkedProvider } from "../testbed/linked-provider.js";
import { freePort } from "../testbed/free-port.js";
import { startSharedPostgres, type SharedPostgres } from "../testbed/shared-postgres.js";
import { TEST_MODEL_ID, ensureTestModel, neverEnding } from "../testbed/test-model.js";
import {
  startCoordinator,
  waitForAttestedKey,
  waitForModel,
  type RunningCoordinator,
} from "../testbed/testbed.js";

const WEBHOOK_SECRET = "whsec_console_provider_pages";

describe("console: provider-operator pages (my machines, payouts) against the running system", function () {
  this.timeout(300_000);
  let pg: SharedPostgres | undefined;
  let stripe: FakeStripe | undefined;
  let coordinator: RunningCoordinator | undefined;
  let provider: LinkedProvider | undefined;
  let browser: RunningBrowser | undefined;
  let page: Page | undefined;
  const keys = { operator: "", consumer: "" };

  const c = (): RunningCoordinator => {
    if (!coordinator) throw new Error("before hook did not run");
    return coordinator;
  };
  const p = (): Page => {
    if (!page) throw new Error("before hook did not run");
    return page;
  };
  const newAccount = async (name: string, role: string): Promise<string> => {
    const res = await fetch(`${c().url}/v1/admin/accounts`, {
      method: "POST",
      headers: { authorization: `Bearer ${c().apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name, role }),
    });
    expect(res.status).to.equal(201);
    return ((await res.json()) as { api_key: { key: string } }).api_key.key;
  };
  const signIn = (tab: Page, key: string, next: string): Promise<void> =>
    signInWithKey(tab, c().url, key, next, true);

  before(async () => {
    ensureConsoleBuilt();
    const modelDir = await ensureTestModel();
    pg = await startSharedPostgres();
    stripe = await FakeStripe.start({ webhookSecret: WEBHOOK_SECRET });
    const port = await freePort();
    coordinator = await startCoordinator({
      DATABASE_URL: pg.url,
      DARKBLOOM_PORT: String(port),
      DARKBLOOM_REQUIRE_PROVIDER_TOKEN: "true",
      DARKBLOOM_DEVICE_POLL_INTERVAL_MS: "1000",
      DARKBLOOM_PAYOUT_MINIMUM_MICRO_USD: "0",
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      DARKBLOOM_STRIPE_API_URL: `http://127.0.0.1:${stripe.port}`,
      DARKBLOOM_CONNECT_RETURN_URL: `http://127.0.0.1:${port}/console/payouts?onboarding=returned`,
      DARKBLOOM_CONNECT_REFRESH_URL: `http://127.0.0.1:${port}/console/payouts`,
    });
    stripe.checkoutWebhookUrl = `${coordinator.url}/v1/billing/stripe-webhook`;
    keys.operator = await newAccount("mac-operator", "provider");
    keys.consumer = await newAccount("just-a-consumer", "consumer");
    const invite = await fetch(`${coordinator.url}/v1/admin/invites`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${coordinator.apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ credit_micro_usd: 5_000_000 }),
    });
    const redeemed = await fetch(`${coordinator.url}/v1/invites/redeem`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.consumer}`, "content-type": "application/json" },
      body: JSON.stringify({ code: ((await invite.json()) as { code: string }).code }),
    });
    expect(redeemed.status).to.equal(200);
    provider = await startLinkedProvider(coordinator.url, keys.operator, modelDir);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID, 60_000);
    await waitForAttestedKey(coordinator.url, coordinator.apiKey, TEST_MODEL_ID, 60_000);
    // the operator's machine earns over a dollar (so a payout is possible): a high price and a
    // few full-length requests, paid from the admin's starting credit
    const price = await fetch(`${coordinator.url}/v1/admin/prices/${TEST_MODEL_ID}`, {
      method: "PUT",
      headers: {
        authorization: `Bearer ${coordinator.apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        input_micro_usd_per_million: 0,
        output_micro_usd_per_million: 20_000_000_000,
      }),
    });
    expect(price.status).to.equal(200);
    const client = new OpenAI({ baseURL: `${coordinator.url}/v1`, apiKey: coordinator.apiKey });
    for (let i = 0; i < 4; i++)
      await client.chat.completions.create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: `earn ${i}` }],
        max_tokens: 32,
        logit_bias: neverEnding(),
      });
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

  it("my machines: the linked Mac is online with its model, tokens served and earnings", async () => {
    const tab = p();
    await signIn(tab, keys.operator, "/machines");
    const row = tab.getByTestId("machines-table").getByRole("row").filter({ hasText: "Online" });
    await row.waitFor();
    const text = (await row.textContent())?.replace(/\s+/g, " ") ?? "";
    expect(text).to.contain(TEST_MODEL_ID);
    expect(text).to.match(/\$\d+\.\d{2,4}$/);
    expect(await tab.getByTestId("machines-online").textContent()).to.equal("1 of 1");
    const earned = (await tab.getByTestId("machines-earned").textContent()) ?? "";
    expect(Number(earned.replace(/[$,]/g, ""))).to.be.greaterThan(0);
    await screenshot(tab, "operator-machines");
    expect(await seriousAxeViolations(tab)).to.deep.equal([]);
  });

  it("payouts: the balance, Stripe Connect onboarding on the fake Stripe (keyboard only), a payout in the history", async () => {
    const tab = p();
    await tab.getByRole("link", { name: "Payouts" }).click();
    const withdrawable = tab.getByTestId("payouts-withdrawable");
    await withdrawable.waitFor();
    const balance = (await withdrawable.textContent())?.trim() ?? "";
    const machinesEarned = (await (
      await fetch(`${c().url}/v1/provider/machines`, {
        headers: { authorization: `Bearer ${keys.operator}` },
      })
    ).json()) as { data: Array<{ earned_micro_usd: number }> };
    const earned = machinesEarned.data.reduce((s, m) => s + m.earned_micro_usd, 0);
    expect(balance).to.equal(
      new Intl.NumberFormat("en-US", {
        style: "currency",
        currency: "USD",
        minimumFractionDigits: earned < 10_000 ? 4 : 2,
        maximumFractionDigits: earned < 10_000 ? 4 : 2,
      }).format(earned / 1_000_000),
    );
    await screenshot(tab, "operator-payouts");
    expect(await seriousAxeViolations(tab)).to.deep.equal([]);

    // keyboard only: Tab to the onboarding button, Enter
    let focused = "";
    for (let i = 0; i < 40 && !focused.includes("Set up payouts"); i++) {
      await tab.keyboard.press("Tab");
      focused = await tab.evaluate<string>("document.activeElement?.textContent ?? ''");
    }
    expect(focused).to.contain("Set up payouts");
    await tab.keyboard.press("Enter");
    await tab.waitForURL((u) => u.port === String(stripe?.port));
    const account = (await tab.getByTestId("connect-account").textContent()) ?? "";
    expect(account).to.match(/^acct_/);
    await screenshot(tab, "operator-connect-onboarding");
    await tab.getByRole("button", { name: "Agree and submit" }).click();
    await tab.waitForURL(
      (u) => u.pathname === "/console/payouts" && u.search === "?onboarding=returned",
    );
    await tab.getByTestId("onboarding-returned").waitFor();
    const state = tab.getByTestId("connect-state");
    await state.filter({ hasText: "Ready" }).waitFor();
    expect(await state.textContent()).to.contain(account);
    await screenshot(tab, "operator-payouts-onboarded");
    expect(await seriousAxeViolations(tab)).to.deep.equal([]);

    // a payout of $1.00 to the onboarded account: the history shows it paid
    await tab.fill("#withdraw-amount", "1.00");
    await tab.getByRole("button", { name: "Withdraw to Stripe" }).click();
    await tab
      .getByTestId("payouts-history")
      .getByRole("row")
      .filter({ hasText: "$1.00" })
      .filter({ hasText: "Paid" })
      .waitFor();
    const after = (await withdrawable.textContent())?.trim() ?? "";
    const dollars = (text: string): number => Number(text.replace(/[$,]/g, ""));
    expect(dollars(balance) - dollars(after)).to.be.closeTo(1, 0.0001);
    await screenshot(tab, "operator-payouts-paid");
    expect(await seriousAxeViolations(tab)).to.deep.equal([]);
  });

  it("playground, sealed: the request is sealed in the browser to the attested key; the badge and the verified evidence show", async () => {
    if (!browser) throw new Error("before hook did not run");
    const context = await browser.browser.newContext();
    try {
      const tab = await context.newPage();
      const sent: string[] = [];
      tab.on("request", (r) => {
        if (r.method() === "POST") sent.push(`${new URL(r.url()).pathname} ${r.postData() ?? ""}`);
      });
      await signIn(tab, keys.consumer, "/playground");
      await tab
        .locator("#chat-model option", { hasText: TEST_MODEL_ID })
        .waitFor({ state: "attached" });
      // keyboard: focus the switch and press Space
      await tab.focus("#chat-sealed");
      await tab.keyboard.press("Space");
      expect(await tab.isChecked("#chat-sealed")).to.equal(true);
      const secret = "the sealed secret is marmalade";
      await tab.fill("#chat-prompt", secret);
      await tab.fill("#chat-max", "12");
      await tab.locator("#chat-max").dispatchEvent("change");
      await sendAndAwaitReply(tab);
      const log = tab.getByTestId("chat-log");
      expect(await log.getByRole("alert").count(), (await log.textContent()) ?? "").to.equal(0);
      const reply = await log.locator("li.assistant p").first().textContent();
      expect(reply?.trim().length ?? 0).to.be.greaterThan(0);
      const badge = (await tab.getByTestId("trust-badge").textContent())?.trim() ?? "";
      expect(badge).to.equal("Sealed · Software attested");
      await tab.getByText("Verified evidence").click();
      const evidence = (await tab.getByTestId("trust-evidence").textContent()) ?? "";
      const machines = (await (
        await fetch(`${c().url}/v1/provider/machines`, {
          headers: { authorization: `Bearer ${keys.operator}` },
        })
      ).json()) as { data: Array<{ provider_id: string }> };
      expect(evidence).to.contain(machines.data[0]?.provider_id ?? "missing");
      expect(await tab.getByTestId("verified-trust").textContent()).to.equal("Software attested");
      // the prompt never left the browser in clear: only the sealed endpoints were used
      expect(sent.some((s) => s.includes(secret))).to.equal(false);
      expect(sent.some((s) => s.startsWith("/v1/sealed/completions "))).to.equal(true);
      expect(sent.some((s) => s.startsWith("/v1/chat/completions"))).to.equal(false);
      const meter = (await tab.getByTestId("chat-meter").textContent())?.replace(/\s+/g, " ");
      expect(meter).to.match(/[1-9]\d* input · [1-9]\d* output tokens/);
      await screenshot(tab, "playground-sealed");
      expect(await seriousAxeViolations(tab)).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("keeps a consumer off the operator pages (client guard) and the server refuses the calls", async () => {
    if (!browser) throw new Error("before hook did not run");
    const context = await browser.browser.newContext();
    try {
      const tab = await context.newPage();
      await signIn(tab, keys.consumer, "/machines");
      expect(new URL(tab.url()).pathname).to.equal("/console/");
      expect(await tab.getByRole("link", { name: "My machines" }).count()).to.equal(0);
      for (const path of ["/v1/provider/machines", "/v1/billing/payouts"]) {
        const res = await fetch(`${c().url}${path}`, {
          headers: { authorization: `Bearer ${keys.consumer}` },
        });
        expect(res.status, path).to.equal(403);
      }
    } finally {
      await context.close();
    }
  });

  it("fits a phone's width on both operator pages, and the ledger stays clean", async () => {
    const phone = await launchBrowser({ width: 390, height: 844 });
    try {
      const tab = await phone.context.newPage();
      await signIn(tab, keys.operator, "/machines");
      for (const [path, ready] of [
        ["/machines", '[data-testid="machines-table"]'],
        ["/payouts", '[data-testid="payouts-withdrawable"]'],
      ] as const) {
        await tab.goto(`${c().url}/console${path}`);
        await tab.locator(ready).waitFor();
        const wide = await tab.evaluate<string[]>(`[...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > 390 && !e.closest(".table-wrap"))
          .map((e) => e.tagName.toLowerCase() + ": " + e.textContent.slice(0, 40))`);
        expect(wide, path).to.deep.equal([]);
        expect(await tab.evaluate("document.documentElement.scrollWidth"), path).to.be.at.most(390);
        await screenshot(tab, `phone-operator${path.replace("/", "-")}`);
        expect(await seriousAxeViolations(tab), path).to.deep.equal([]);
      }
    } finally {
      await phone.close();
    }
    const audit = await auditLedgerWhenSettled(pg?.pool ?? never());
    expect(audit.health).to.deep.equal(CLEAN_LEDGER.health);
    expect(audit.negativeAccounts).to.deep.equal([]);
    expect(audit.misPaidSettlements).to.deep.equal([]);
  });
});

function never(): never {
  throw new Error("before hook did not run");
}
