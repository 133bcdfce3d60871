// Linking a provider through the console with the REAL `darkbloom login` device flow: the CLI
// prints its link and code, the operator opens the link in Chromium, signs in with an API key,
// approves, the CLI finishes and the provider starts with the minted token. Also the page's
// error states (unknown code, already approved) and axe-core on each state.
import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { REPO_ROOT, spawnTs, type Spawned } from "../testbed/child-process.js";
import {
  ensureConsoleBuilt,
  launchBrowser,
  screenshot,
  seriousAxeViolations,
  type RunningBrowser,
} from "../testbed/browser.js";
import { TEST_MODEL_ID, ensureTestModel } from "../testbed/test-model.js";
import { startCoordinator, waitForModel, type RunningCoordinator } from "../testbed/testbed.js";

const CLI = path.join(REPO_ROOT, "provider/src/cli/main.ts");

describe("console: linking a Mac with darkbloom login and the device page", function () {
  this.timeout(300_000);
  let coordinator: RunningCoordinator | undefined;
  let browser: RunningBrowser | undefined;
  let home = "";
  let modelDir = "";
  let operatorKey = "";
  let operatorId = "";
  let approvedCode = "";
  const running: Spawned[] = [];

  const c = (): RunningCoordinator => {
    if (!coordinator) throw new Error("before hook did not run");
    return coordinator;
  };
  const newPage = async (): Promise<Page> => {
    if (!browser) throw new Error("before hook did not run");
    return browser.context.newPage();
  };
  const signIn = async (p: Page, key: string): Promise<void> => {
    await p.fill("#api-key", key);
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.locator("#user-code").waitFor();
  };

  before(async () => {
    ensureConsoleBuilt();
    modelDir = await ensureTestModel();
    coordinator = await startCoordinator({
      DARKBLOOM_REQUIRE_PROVIDER_TOKEN: "true",
      DARKBLOOM_DEVICE_POLL_INTERVAL_MS: "1000",
    });
    home = await mkdtemp(path.join(tmpdir(), "darkbloom-console-device-"));
    const created = await fetch(`${coordinator.url}/v1/admin/accounts`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${coordinator.apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ name: "mac-operator", role: "provider" }),
    });
    expect(created.status).to.equal(201);
    const account = (await created.json()) as { id: string; api_key: { key: string } };
    operatorId = account.id;
    operatorKey = account.api_key.key;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    for (const p of running.reverse()) await p.stop();
    await coordinator?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("the printed link opens the device page; approving there finishes login and the provider starts", async () => {
    const login = spawnTs(CLI, ["login", "--coordinator", c().url], {
      DARKBLOOM_HOME: home,
      LOG_LEVEL: "warn",
    });
    running.push(login);
    const [, link] = (await login.waitFor(/open (http\S+)/, 30_000)) as unknown as [string, string];
    const [, userCode] = (await login.waitFor(/code: ([A-Z]{4}-[A-Z]{4})/, 30_000)) as unknown as [
      string,
      string,
    ];
    expect(link).to.equal(`${c().url}/device?user_code=${userCode}`);

    const p = await newPage();
    await p.goto(link);
    // /device redirects to the console's page, which asks for a sign-in first
    expect(new URL(p.url()).pathname).to.equal("/console/device");
    await p.locator("#api-key").waitFor();
    await screenshot(p, "device-sign-in");
    expect(await seriousAxeViolations(p)).to.deep.equal([]);

    // a wrong key is refused on the page
    await p.fill("#api-key", "sk-not-a-real-key");
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.getByRole("alert").filter({ hasText: "not valid" }).waitFor();

    await signIn(p, operatorKey);
    expect(await p.inputValue("#user-code")).to.equal(userCode);
    // the key lives in this tab's sessionStorage, not in a cookie
    expect(await browser?.context.cookies()).to.deep.equal([]);
    expect(await p.evaluate("sessionStorage.length")).to.equal(1);
    await screenshot(p, "device-confirm");
    expect(await seriousAxeViolations(p)).to.deep.equal([]);

    await p.getByRole("button", { name: "Approve" }).click();
    const done = p.getByTestId("device-done");
    await done.waitFor();
    expect(await done.textContent()).to.contain("Mac linked");
    await screenshot(p, "device-approved");
    expect(await seriousAxeViolations(p)).to.deep.equal([]);
    approvedCode = userCode;
    await p.close();

    const exit = await new Promise<number | null>((r) =>
      login.child.exitCode !== null ? r(login.child.exitCode) : login.child.once("exit", r),
    );
    expect(exit, login.output()).to.equal(0);
    const creds = JSON.parse(await readFile(path.join(home, "credentials.json"), "utf8")) as {
      token: string;
    };
    expect(creds.token).to.match(/^dbp_/);

    // the provider joins with that token (the coordinator requires one)
    const provider = spawnTs(CLI, ["start", "--coordinator", c().url, "--model", modelDir], {
      DARKBLOOM_HOME: home,
      LOG_LEVEL: "warn",
    });
    running.push(provider);
    await provider.waitFor(/provider serving/, 60_000);
    await waitForModel(c().url, c().apiKey, TEST_MODEL_ID);
    const account = (await (
      await fetch(`${c().url}/v1/provider/account`, {
        headers: { authorization: `Bearer ${creds.token}` },
      })
    ).json()) as { accountId: string };
    expect(account.accountId).to.equal(operatorId);
  });

  it("says when a code was already approved, or does not exist", async () => {
    expect(approvedCode, "the first test approved a code").to.match(/^[A-Z]{4}-[A-Z]{4}$/);
    const p = await newPage();
    await p.goto(`${c().url}/console/device?code=${approvedCode.toLowerCase()}`);
    await signIn(p, operatorKey);
    await p.getByRole("button", { name: "Approve" }).click();
    const error = p.getByTestId("device-error");
    await error.waitFor();
    expect(await error.textContent()).to.contain("already used");
    await screenshot(p, "device-already-approved");
    expect(await seriousAxeViolations(p)).to.deep.equal([]);

    // typed by hand, loosely: an unknown code
    await p.fill("#user-code", "bcdf ghjk");
    await p.getByRole("button", { name: "Approve" }).click();
    await error.filter({ hasText: "No pending request" }).waitFor();
    expect(await p.inputValue("#user-code")).to.equal("BCDF-GHJK");
    await p.close();
  });

  it("answers approve with 409 for a decided code and 404 for an unknown one (the API the page uses)", async () => {
    const approve = (code: string) =>
      fetch(`${c().url}/v1/device/approve`, {
        method: "POST",
        headers: { authorization: `Bearer ${operatorKey}`, "content-type": "application/json" },
        body: JSON.stringify({ user_code: code }),
      });
    const again = await approve(approvedCode);
    expect(again.status).to.equal(409);
    expect(((await again.json()) as { error: string }).error).to.equal("already_decided");
    const unknown = await approve("BCDF-GHJK");
    expect(unknown.status).to.equal(404);
  });
});
