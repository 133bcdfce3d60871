// The console's admin pages in a real browser (Debian's Chromium) against the running system: a
// coordinator on a shared embedded Postgres, a real provider process serving the test model, the
// OpenID provider. A person signs up through single sign-on (a consumer: the admin area and the
// admin Connect calls are refused), is made an admin, then sees the provider in the fleet and
// on its detail page, edits a warm pool (read back through GetWarmPoolPolicy and from Postgres),
// and opens every admin page (screenshot, axe, phone width).
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { sql } from "@darkbloom/db";
import { RoutingService } from "@darkbloom/proto";
import { FakeOidcProvider, freePort } from "@darkbloom/testing";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { z } from "zod";
import {
  ensureConsoleBuilt,
  launchBrowser,
  screenshot,
  seriousAxeViolations,
  type RunningBrowser,
} from "../testbed/browser.js";
import { startSharedPostgres, type SharedPostgres } from "../testbed/shared-postgres.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

const ADMIN_PAGES = [
  ["fleet", '[data-testid="fleet"]'],
  ["warm-pools", '[data-testid="policy-form"]'],
  ["traffic", '[data-testid="traffic-summary"]'],
  ["ledger", '[data-testid="ledger-balances"]'],
  ["prices", '[data-testid="prices"]'],
  ["releases", '[data-testid="releases"]'],
  ["accounts", '[data-testid="accounts"]'],
  ["invites", '[data-testid="invites"]'],
] as const;

describe("console: admin pages (fleet, warm pools, traffic, ledger, …) against the running system", function () {
  this.timeout(300_000);
  let pg: SharedPostgres | undefined;
  let op: FakeOidcProvider | undefined;
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  let browser: RunningBrowser | undefined;
  let page: Page | undefined;

  const c = (): RunningCoordinator => coordinator ?? never();
  const p = (): Page => page ?? never();
  /** A Connect call the way the console makes it: the session cookie and its CSRF token. */
  const sessionRouting = async () => {
    const cookie = ((await browser?.context.cookies(c().url)) ?? [])
      .map((k) => `${k.name}=${k.value}`)
      .join("; ");
    const session = await fetch(`${c().url}/v1/auth/session`, { headers: { cookie } });
    const { csrf_token } = (await session.json()) as { csrf_token: string };
    const withSession: Interceptor = (next) => (req) => {
      req.header.set("cookie", cookie);
      req.header.set("x-csrf-token", csrf_token);
      return next(req);
    };
    return createClient(
      RoutingService,
      createConnectTransport({
        baseUrl: c().url,
        httpVersion: "1.1",
        interceptors: [withSession],
      }),
    );
  };
  const adminRouting = () =>
    createClient(
      RoutingService,
      createConnectTransport({
        baseUrl: c().url,
        httpVersion: "1.1",
        interceptors: [
          (next) => (req) => {
            req.header.set("authorization", `Bearer ${c().apiKey}`);
            return next(req);
          },
        ],
      }),
    );

  before(async () => {
    ensureConsoleBuilt();
    pg = await startSharedPostgres();
    const port = await freePort();
    op = await FakeOidcProvider.start({
      clientId: "darkbloom-console",
      clientSecret: "admin-client-secret",
      redirectUris: [`http://127.0.0.1:${port}/v1/auth/oidc/callback`],
      users: [{ id: "olga", password: "pw-olga", email: "olga@example.com", name: "Olga" }],
    });
    coordinator = await startCoordinator({
      DATABASE_URL: pg.url,
      DARKBLOOM_PORT: String(port),
      DARKBLOOM_OIDC_ISSUER: op.issuer,
      DARKBLOOM_OIDC_CLIENT_ID: "darkbloom-console",
      DARKBLOOM_OIDC_CLIENT_SECRET: "admin-client-secret",
    });
    provider = await startProvider(coordinator.url);
    await waitForModel(coordinator.url, coordinator.apiKey, TEST_MODEL_ID, 60_000);
    browser = await launchBrowser();
    page = await browser.context.newPage();
  });

  after(async () => {
    await browser?.close();
    await provider?.stop();
    await coordinator?.stop();
    await op?.close();
    await pg?.stop();
  });

  /** Signs Olga in through single sign-on (the provider may remember her: then no form). */
  const signInWithSso = async (tab: Page): Promise<void> => {
    await tab.goto(`${c().url}/console/sign-in`);
    await tab.getByRole("button", { name: "Continue with single sign-on" }).click();
    await tab.waitForURL((u) => u.origin === op?.issuer || u.pathname === "/console/");
    if (new URL(tab.url()).origin === op?.issuer) {
      await tab.fill("#username", "olga");
      await tab.fill("#password", "pw-olga");
      await tab.getByRole("button", { name: "Continue" }).click();
    }
    await tab.waitForURL((u) => u.origin === c().url && u.pathname === "/console/");
    await tab
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Olga" })
      .waitFor();
  };

  it("keeps a consumer out of the admin area, in the page and on the server", async () => {
    const tab = p();
    await signInWithSso(tab);
    expect(await tab.getByRole("link", { name: "Admin" }).count()).to.equal(0);
    await tab.goto(`${c().url}/console/admin/fleet`);
    await tab.waitForURL((u) => u.pathname === "/console/");
    const refused = await (await sessionRouting()).listProviders({}).then(
      () => "answered",
      (err: { code?: number }) => err.code,
    );
    expect(refused).to.equal(7); // PermissionDenied
  });

  it("shows an admin the provider in the fleet and on its detail page", async () => {
    await pg?.pool.query(sql.unsafe`UPDATE accounts SET role = 'admin' WHERE name = 'Olga'`);
    const tab = p();
    // A privilege change ends the account's sessions: the consumer-era session is signed out.
    await tab.goto(`${c().url}/console/`);
    await tab
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Sign in" })
      .waitFor();
    await signInWithSso(tab);
    await tab.getByRole("link", { name: "Admin" }).click();
    await tab.waitForURL((u) => u.pathname === "/console/admin/fleet");
    const { providers } = await adminRouting().listProviders({});
    const id = providers[0]?.providerId ?? never();
    const row = tab.getByTestId("fleet").getByRole("row").filter({ hasText: id });
    await row.waitFor();
    const text = (await row.textContent()) ?? "";
    expect(text).to.contain(TEST_MODEL_ID);
    expect(text).to.match(/\d+ running · \d+ waiting/);
    expect(text).to.match(/GB/);
    await screenshot(tab, "admin-fleet");
    expect(await seriousAxeViolations(tab)).to.deep.equal([]);

    await row.getByRole("link", { name: id }).click();
    await tab.waitForURL((u) => u.pathname === `/console/admin/fleet/${id}`);
    const slots = tab
      .getByTestId("provider-slots")
      .getByRole("row")
      .filter({ hasText: TEST_MODEL_ID });
    await slots.waitFor();
    expect(await tab.getByTestId("provider-memory").textContent()).to.contain("GB");
    await screenshot(tab, "admin-provider");
    expect(await seriousAxeViolations(tab)).to.deep.equal([]);
  });

  it("edits a warm pool with the keyboard; the policy is stored and read back", async () => {
    const tab = p();
    await tab
      .getByRole("navigation", { name: "Admin" })
      .getByRole("link", { name: "Warm pools" })
      .click();
    await tab.getByTestId("policy-form").waitFor();
    await tab.getByRole("button", { name: "Add a model" }).focus();
    await tab.keyboard.press("Enter");
    await tab.locator("#model-0").waitFor();
    await tab.locator("#model-0").focus();
    await tab.keyboard.type(TEST_MODEL_ID);
    await tab.keyboard.press("Tab"); // min warm
    await tab.keyboard.press("ControlOrMeta+a");
    await tab.keyboard.type("1");
    await tab.keyboard.press("Tab"); // max warm
    await tab.keyboard.press("ControlOrMeta+a");
    await tab.keyboard.type("2");
    await tab.keyboard.press("Enter"); // submits the form
    await tab.getByText("Saved: the policy below is as the coordinator stored it.").waitFor();

    // read back through the API (another client, the admin key) and from Postgres itself
    const { targets } = await adminRouting().getWarmPoolPolicy({});
    expect(
      targets.map((t) => [
        t.model,
        t.minWarmProviders,
        t.maxWarmProviders,
        t.targetUtilizationPercent,
      ]),
    ).to.deep.equal([[TEST_MODEL_ID, 1, 2, 0]]);
    const rows = await pg?.pool.any(
      sql.type(z.object({ model: z.string(), min_warm: z.number(), max_warm: z.number() }))`
        SELECT model, min_warm, max_warm FROM warm_pool_targets`,
    );
    expect(rows).to.deep.equal([{ model: TEST_MODEL_ID, min_warm: 1, max_warm: 2 }]);

    // a fresh page shows the stored policy, and the controller's status for the model
    await tab.reload();
    expect(await tab.locator("#maxWarmProviders-0").inputValue()).to.equal("2");
    await tab
      .getByTestId("warm-pool-status")
      .getByRole("row")
      .filter({ hasText: TEST_MODEL_ID })
      .waitFor();
    await screenshot(tab, "admin-warm-pools");
    expect(await seriousAxeViolations(tab)).to.deep.equal([]);
  });

  it("opens every admin page (traffic after real requests), each without serious axe violations", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${c().url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${c().apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: TEST_MODEL_ID,
          messages: [{ role: "user", content: "hello" }],
          max_tokens: 4,
        }),
      });
      expect(res.status).to.equal(200);
      await res.text();
    }
    const tab = p();
    for (const [path, ready] of ADMIN_PAGES) {
      await tab.goto(`${c().url}/console/admin/${path}`);
      await tab.locator(ready).waitFor();
      if (path === "traffic") {
        await tab
          .getByTestId("traffic-intervals")
          .getByRole("row")
          .filter({ hasText: "/" })
          .first()
          .waitFor();
        const summary = (await tab.getByTestId("traffic-summary").textContent()) ?? "";
        expect(summary).to.match(/Requests in window\s*2/);
      }
      if (path === "ledger")
        expect(await tab.getByTestId("ledger-net").textContent()).to.contain("Balanced");
      if (path === "accounts")
        await tab.getByTestId("accounts").getByRole("row").filter({ hasText: "Olga" }).waitFor();
      await screenshot(tab, `admin-${path}`);
      expect(await seriousAxeViolations(tab), path).to.deep.equal([]);
    }
  });

  it("fits a phone's width on every admin page", async () => {
    const phone = await launchBrowser({ width: 390, height: 844 });
    try {
      await phone.context.addCookies(await (browser ?? never()).context.cookies(c().url));
      const tab = await phone.context.newPage();
      for (const [path, ready] of ADMIN_PAGES) {
        await tab.goto(`${c().url}/console/admin/${path}`);
        await tab.locator(ready).waitFor();
        const wide = await tab.evaluate<string[]>(`[...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > 390 && !e.closest(".table-wrap"))
          .map((e) => e.tagName.toLowerCase() + ": " + e.textContent.slice(0, 40))`);
        expect(wide, path).to.deep.equal([]);
        expect(await tab.evaluate("document.documentElement.scrollWidth"), path).to.be.at.most(390);
        await screenshot(tab, `phone-admin-${path}`);
      }
    } finally {
      await phone.close();
    }
  });
});

function never(): never {
  throw new Error("before hook did not run");
}
