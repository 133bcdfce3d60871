// Sign-up and sign-in through OpenID Connect in a real browser (Debian's Chromium driven by
// playwright-core) against the real coordinator and a real OpenID Provider (oidc-provider): the
// network needs an invite, so a first try without one is refused on the sign-in page; with the
// invite the account is created and the person lands signed in. The session is an HttpOnly
// cookie the page's script cannot read; signing out revokes it on the coordinator.
import { expect } from "chai";
import type { Page } from "playwright-core";
import { FakeOidcProvider, freePort } from "@darkbloom/testing";
import {
  ensureConsoleBuilt,
  launchBrowser,
  screenshot,
  seriousAxeViolations,
  type RunningBrowser,
} from "../testbed/browser.js";
import { startCoordinator, type RunningCoordinator } from "../testbed/testbed.js";

describe("console: sign-up and sign-in with OpenID Connect in a browser", function () {
  this.timeout(300_000);
  let op: FakeOidcProvider | undefined;
  let coordinator: RunningCoordinator | undefined;
  let browser: RunningBrowser | undefined;
  let invite = "";

  const c = (): RunningCoordinator => {
    if (!coordinator) throw new Error("before hook did not run");
    return coordinator;
  };
  const newPage = async (): Promise<Page> => {
    if (!browser) throw new Error("before hook did not run");
    return browser.context.newPage();
  };
  const logInAtProvider = async (p: Page): Promise<void> => {
    await p.waitForURL((u) => u.origin === op?.issuer);
    await p.fill("#username", "carol");
    await p.fill("#password", "pw-carol");
    await p.getByRole("button", { name: "Continue" }).click();
  };

  before(async () => {
    ensureConsoleBuilt();
    const port = await freePort();
    op = await FakeOidcProvider.start({
      clientId: "darkbloom-console",
      clientSecret: "browser-client-secret",
      redirectUris: [`http://127.0.0.1:${port}/v1/auth/oidc/callback`],
      users: [{ id: "carol", password: "pw-carol", email: "carol@example.com", name: "Carol" }],
    });
    coordinator = await startCoordinator({
      DARKBLOOM_PORT: String(port),
      DARKBLOOM_OIDC_ISSUER: op.issuer,
      DARKBLOOM_OIDC_CLIENT_ID: "darkbloom-console",
      DARKBLOOM_OIDC_CLIENT_SECRET: "browser-client-secret",
      DARKBLOOM_SIGNUP_REQUIRE_INVITE: "true",
    });
    const created = await fetch(`${coordinator.url}/v1/admin/invites`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${coordinator.apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ credit_micro_usd: 5_000_000, max_uses: 1 }),
    });
    expect(created.status).to.equal(201);
    invite = ((await created.json()) as { code: string }).code;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await coordinator?.stop();
    await op?.close();
  });

  it("signs up with an invite through the identity provider and lands signed in", async () => {
    const p = await newPage();
    await p.goto(`${c().url}/console/sign-in`);
    await p.getByRole("heading", { name: "Sign in or create an account" }).waitFor();
    await screenshot(p, "sign-in-oidc");
    expect(await seriousAxeViolations(p)).to.deep.equal([]);

    // without an invite a new person is turned back, with the reason
    await p.getByRole("button", { name: "Continue with single sign-on" }).click();
    await logInAtProvider(p);
    const refusal = p.getByTestId("sign-in-error");
    await refusal.waitFor();
    expect(await refusal.textContent()).to.contain("need an invite code");
    expect(new URL(p.url()).pathname).to.equal("/console/sign-in");
    await screenshot(p, "sign-in-invite-required");
    expect(await seriousAxeViolations(p)).to.deep.equal([]);

    // with the invite: the provider remembers the person, the account is created
    await p.fill("#invite", invite);
    await p.getByRole("button", { name: "Continue with single sign-on" }).click();
    await p.waitForURL((u) => u.origin === c().url && u.pathname === "/console/");
    const account = p
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Carol" });
    await account.waitFor();
    await screenshot(p, "signed-up-landing");

    // the session cookie: HttpOnly, SameSite=Strict, invisible to the page's script
    const cookies = (await browser?.context.cookies(c().url)) ?? [];
    const session = cookies.find((k) => k.name === "darkbloom_session");
    expect(session?.httpOnly).to.equal(true);
    expect(session?.sameSite).to.equal("Strict");
    expect(session?.value).to.match(/^dbs_/);
    expect(await p.evaluate("document.cookie")).not.to.contain("darkbloom_session");
    expect(cookies.map((k) => k.name)).not.to.include("darkbloom_oidc");

    await account.click();
    const status = p.getByTestId("signed-in");
    await status.waitFor();
    expect(await status.textContent()).to.contain("Signed in as Carol (consumer)");
    await screenshot(p, "signed-in");
    expect(await seriousAxeViolations(p)).to.deep.equal([]);

    // the invite's credit is on the new account (the same cookie, from outside the page)
    const me = await fetch(`${c().url}/v1/me`, {
      headers: { cookie: `darkbloom_session=${session?.value}` },
    });
    expect(
      ((await me.json()) as { balance: { available_micro_usd: number } }).balance,
    ).to.have.property("available_micro_usd", 5_000_000);

    // signing out revokes the session on the coordinator, not just in the page
    await p.getByRole("button", { name: "Sign out" }).click();
    await p.getByRole("heading", { name: "Sign in or create an account" }).waitFor();
    const after = await fetch(`${c().url}/v1/auth/session`, {
      headers: { cookie: `darkbloom_session=${session?.value}` },
    });
    expect(after.status).to.equal(401);
    await p.close();
  });
});
