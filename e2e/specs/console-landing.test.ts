// The console's public pages in a real browser (Debian's Chromium) against a real coordinator
// with a fleet of providers: live network stats from GET /v1/stats, the models page, phone
// width, keyboard access, axe-core, and the landing route's JavaScript budget.
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { FakeProvider } from "@darkbloom/testing";
import type { Page } from "playwright-core";
import {
  CONSOLE_BUILD,
  ensureConsoleBuilt,
  launchBrowser,
  screenshot,
  seriousAxeViolations,
  type RunningBrowser,
} from "../testbed/browser.js";
import { startFakeFleet } from "../testbed/fake-fleet.js";
import { startCoordinator, waitForModel, type RunningCoordinator } from "../testbed/testbed.js";

const MODEL = "console-stats-model";

interface Stats {
  providers_online: number;
  trust_levels: Record<string, number>;
  models: Array<{ id: string; providers: number; warm_slots: number }>;
  tokens_served_today: { prompt: number; completion: number; total: number } | null;
}

describe("console: landing and models pages with live network stats", function () {
  this.timeout(300_000);
  let coordinator: RunningCoordinator | undefined;
  let fleet: FakeProvider[] = [];
  let browser: RunningBrowser | undefined;

  const c = (): RunningCoordinator => {
    if (!coordinator) throw new Error("before hook did not run");
    return coordinator;
  };
  const stats = async (): Promise<Stats> =>
    (await (await fetch(`${c().url}/v1/stats`)).json()) as Stats;
  const page = async (): Promise<Page> => {
    if (!browser) throw new Error("before hook did not run");
    return browser.context.newPage();
  };

  before(async () => {
    ensureConsoleBuilt();
    coordinator = await startCoordinator();
    fleet = await startFakeFleet(coordinator.url, 2, [MODEL]);
    await waitForModel(coordinator.url, coordinator.apiKey, MODEL);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await Promise.all(fleet.map((p) => p.close()));
    await coordinator?.stop();
  });

  it("GET /v1/stats is public and reports presence, capacity and trust counts, totals only", async () => {
    const res = await fetch(`${c().url}/v1/stats`);
    expect(res.status).to.equal(200);
    expect(res.headers.get("cache-control")).to.equal("public, max-age=5");
    const body = (await res.json()) as Stats & Record<string, unknown>;
    expect(Object.keys(body).sort()).to.deep.equal([
      "generated_at",
      "models",
      "object",
      "providers_online",
      "tokens_served_today",
      "trust_levels",
    ]);
    expect(body.providers_online).to.equal(2);
    const trustTotal = Object.values(body.trust_levels).reduce((a, b) => a + b, 0);
    expect(trustTotal).to.equal(2);
    expect(body.models).to.have.length(1);
    expect(body.models[0]).to.include({ id: MODEL, providers: 2 });
    // no identities: neither the providers' ids nor any account's id appear anywhere
    const me = (await (
      await fetch(`${c().url}/v1/me`, { headers: { authorization: `Bearer ${c().apiKey}` } })
    ).json()) as { id: string };
    const text = JSON.stringify(body);
    expect(text).not.to.contain(me.id);
    for (const p of fleet) expect(text).not.to.contain(p.providerId);

    const post = await fetch(`${c().url}/v1/stats`, { method: "POST" });
    expect(post.status).to.equal(405);
    expect(((await post.json()) as { error: { code: string } }).error.code).to.equal(
      "method_not_allowed",
    );
  });

  it("counts the tokens settled today once a request is served", async () => {
    const res = await fetch(`${c().url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${c().apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: "user", content: "count me" }],
        max_tokens: 6,
      }),
    });
    expect(res.status).to.equal(200);
    const usage = ((await res.json()) as { usage: { total_tokens: number } }).usage;
    expect(usage.total_tokens).to.be.greaterThan(0);
    // the figures are cached for 5 s: poll until the settlement shows
    let s = await stats();
    for (let i = 0; i < 100 && (s.tokens_served_today?.total ?? 0) < usage.total_tokens; i++) {
      await new Promise((r) => setTimeout(r, 200));
      s = await stats();
    }
    expect(s.tokens_served_today?.total).to.equal(usage.total_tokens);
  });

  it("the landing page shows the live stats, is keyboard reachable and has no serious axe violations", async () => {
    const p = await page();
    await p.goto(`${c().url}/console/`);
    await p.getByTestId("providers-online").filter({ hasText: "2" }).waitFor();
    // keyboard: the first Tab reaches the skip link, which moves focus to the content
    await p.keyboard.press("Tab");
    expect(await p.evaluate("document.activeElement?.className")).to.contain("skip-link");
    await p.keyboard.press("Enter");
    expect(await p.evaluate("document.activeElement?.id")).to.equal("main");
    // the next Tab lands on the page's own first link, past the navigation
    await p.keyboard.press("Tab");
    expect(await p.evaluate("document.activeElement?.textContent")).to.equal(
      "See models and prices",
    );
    expect((await p.getByTestId("models-served").textContent())?.trim()).to.equal("1");
    expect((await p.getByTestId("tokens-today").textContent())?.trim()).to.match(/^\d/);
    expect(await p.getByTestId("capacity").textContent()).to.contain(MODEL);
    await p.getByTestId("earnings").waitFor();
    expect(await p.getByTestId("earnings").textContent()).to.match(/About \$[\d,.]+ a month/);
    // the calculator follows its inputs
    const before = await p.getByTestId("earnings").textContent();
    await p.selectOption("#calc-chip", "m2-ultra");
    await p.fill("#calc-hours", "24");
    expect(await p.getByTestId("earnings").textContent()).not.to.equal(before);
    expect(await p.title()).to.contain("Darkbloom");
    await screenshot(p, "landing-desktop");

    expect(await seriousAxeViolations(p)).to.deep.equal([]);
    await p.close();
  });

  it("fits a phone's width without sideways scrolling", async () => {
    const phone = await launchBrowser({ width: 390, height: 844 });
    try {
      const p = await phone.context.newPage();
      await p.goto(`${c().url}/console/`);
      await p.getByTestId("providers-online").waitFor();
      await p.getByTestId("earnings").waitFor();
      const width = await p.evaluate("document.documentElement.scrollWidth");
      expect(width).to.be.at.most(390);
      await screenshot(p, "landing-phone");
      expect(await seriousAxeViolations(p)).to.deep.equal([]);
    } finally {
      await phone.close();
    }
  });

  it("the models page lists prices and availability", async () => {
    const p = await page();
    await p.goto(`${c().url}/console/models`);
    const row = p.getByRole("row").filter({ hasText: MODEL });
    await row.waitFor();
    expect(await row.textContent()).to.match(/Available · 2 providers/);
    expect(await row.textContent()).to.match(/\$\d/);
    await screenshot(p, "models");
    expect(await seriousAxeViolations(p)).to.deep.equal([]);
    await p.close();
  });

  it("the landing route's JavaScript (initial chunks + its lazy page) is at most 250 kB gzipped", async () => {
    // Every script the browser fetches to show the landing page, measured gzipped (level 9).
    const p = await page();
    const scripts = new Map<string, Buffer>();
    const pending: Array<Promise<void>> = [];
    p.on("response", (res) => {
      if (!res.url().endsWith(".js")) return;
      pending.push(
        res.body().then((body) => {
          scripts.set(new URL(res.url()).pathname, body);
        }),
      );
    });
    await p.goto(`${c().url}/console/`);
    await p.getByTestId("earnings").waitFor();
    await Promise.all(pending);
    await p.close();
    // the same files on disk: the served bytes are the build's
    const index = await readFile(path.join(CONSOLE_BUILD, "index.html"), "utf8");
    for (const m of index.matchAll(/(?:src|href)="([^"]+\.js)"/g))
      expect([...scripts.keys()]).to.include(`/console/${m[1]}`);
    let raw = 0;
    let gzipped = 0;
    for (const body of scripts.values()) {
      raw += body.length;
      gzipped += gzipSync(body, { level: 9 }).length;
    }
    console.log(
      `      landing route JS: ${scripts.size} files, ${(raw / 1000).toFixed(1)} kB raw, ${(gzipped / 1000).toFixed(1)} kB gzipped`,
    );
    expect(gzipped).to.be.at.most(250_000);
  });
});
