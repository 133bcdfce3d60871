// Real-browser helpers for the console specs: Debian's Chromium driven by playwright-core (no
// browser download), axe-core injected from its npm package, screenshots under .tmp/.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { REPO_ROOT } from "./child-process.js";

export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOT_DIR = path.join(REPO_ROOT, ".tmp", "console-screenshots");
export const CONSOLE_BUILD = path.join(REPO_ROOT, "console", "dist", "console", "browser");

/** Builds the console once if its output is missing (CI builds it before the tests). */
export function ensureConsoleBuilt(): void {
  if (existsSync(path.join(CONSOLE_BUILD, "index.html"))) return;
  const r = spawnSync("npm", ["run", "build", "--prefix", "console"], {
    cwd: REPO_ROOT,
    stdio: "inherit",
    timeout: 5 * 60_000,
  });
  if (r.status !== 0) throw new Error(`npm run build --prefix console failed (${r.status})`);
}

export interface RunningBrowser {
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Headless Chromium (playwright gives it a fresh profile) with the flags this closed network
 * needs: no background connections to Google's hosts.
 */
export async function launchBrowser(
  viewport: { width: number; height: number } = { width: 1280, height: 900 },
): Promise<RunningBrowser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium fonts-noto-color-emoji`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const context = await browser.newContext({ viewport });
    return { browser, context, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** Writes `<name>.png` (full page) under .tmp/console-screenshots and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

/** axe-core's violations of impact `serious` or `critical` on the page as it is now. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run()).violations;
  });
  return (violations as AxeViolation[]).filter(
    (v) => v.impact === "serious" || v.impact === "critical",
  );
}

/**
 * Signs in on the console's sign-in page with an API key and waits for the page `next` (a console
 * path such as "/keys"); `orHome` also accepts landing on the console's home page.
 */
export async function signInWithKey(
  page: Page,
  coordinatorUrl: string,
  key: string,
  next: string,
  orHome = false,
): Promise<void> {
  await page.goto(`${coordinatorUrl}/console/sign-in?next=${encodeURIComponent(next)}`);
  await page.fill("#api-key", key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(
    (u) => u.pathname === `/console${next}` || (orHome && u.pathname === "/console/"),
  );
}

/**
 * Sends the playground's prompt and waits until the reply has ended. The Send button alone is no
 * signal: it is still on the page right after the click, until the page re-renders with Stop. The
 * assistant turn is drawn with its live cursor in the same render that shows Stop; the cursor goes
 * once the stream has ended and its usage is counted.
 */
export async function sendAndAwaitReply(page: Page, timeoutMs = 60_000): Promise<void> {
  const replies = page.getByTestId("chat-log").locator("li.assistant");
  const before = await replies.count();
  await page.getByRole("button", { name: "Send" }).click();
  const reply = replies.nth(before);
  await reply.waitFor({ timeout: timeoutMs });
  await reply
    .locator("p > span[aria-hidden='true']")
    .waitFor({ state: "detached", timeout: timeoutMs });
}
