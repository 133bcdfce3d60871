import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { serveRoutes, type ServedRoutes } from "@darkbloom/edge/testing";
import { createConsoleRoutes } from "./console-static.js";

describe("the console's static files at /console", () => {
  let dir = "";
  let server: ServedRoutes | undefined;
  let base = "";
  const errors: unknown[] = [];

  async function serve(root: string): Promise<void> {
    server = await serveRoutes(createConsoleRoutes(root), undefined, (err) => errors.push(err));
    base = server.base;
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "console-static-"));
    await mkdir(path.join(dir, "media"));
    await writeFile(path.join(dir, "index.html"), "<!doctype html><title>console</title>");
    await writeFile(path.join(dir, "main-AB12CD34.js"), "console.log(1)");
    await writeFile(path.join(dir, "styles-ZZ12CD34.css"), "body{}");
    await writeFile(path.join(dir, "favicon.ico"), Buffer.from([0, 0, 1, 0]));
    await writeFile(path.join(dir, "media", "logo.svg"), "<svg/>");
    await writeFile(path.join(tmpdir(), "console-static-secret.txt"), "secret");
  });
  afterEach(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
    await rm(path.join(tmpdir(), "console-static-secret.txt"), { force: true });
    expect(errors).to.deep.equal([]);
  });

  it("serves files with their content type; hashed assets immutable, index.html revalidated", async () => {
    await serve(dir);
    const js = await fetch(`${base}/console/main-AB12CD34.js`);
    expect(js.status).to.equal(200);
    expect(js.headers.get("content-type")).to.equal("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).to.equal("public, max-age=31536000, immutable");
    expect(await js.text()).to.equal("console.log(1)");
    const css = await fetch(`${base}/console/styles-ZZ12CD34.css`);
    expect(css.headers.get("content-type")).to.equal("text/css; charset=utf-8");
    expect(css.headers.get("cache-control")).to.contain("immutable");
    const svg = await fetch(`${base}/console/media/logo.svg`);
    expect(svg.headers.get("content-type")).to.equal("image/svg+xml");
    expect(svg.headers.get("cache-control")).to.equal("public, max-age=300");
    const ico = await fetch(`${base}/console/favicon.ico`);
    expect(ico.headers.get("content-type")).to.equal("image/x-icon");
    const index = await fetch(`${base}/console/`);
    expect(index.headers.get("content-type")).to.equal("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).to.equal("no-cache");
    expect(index.headers.get("x-frame-options")).to.equal("DENY");
    expect(index.headers.get("content-security-policy")).to.equal("frame-ancestors 'none'");
  });

  it("answers deep links with index.html and a missing asset with 404", async () => {
    await serve(dir);
    for (const deep of ["/console/device", "/console/device?code=BCDF-GHJK", "/console/models"]) {
      const res = await fetch(`${base}${deep}`);
      expect(res.status, deep).to.equal(200);
      expect(await res.text(), deep).to.contain("<title>console</title>");
    }
    const missing = await fetch(`${base}/console/chunk-NOPE1234.js`);
    expect(missing.status).to.equal(404);
    const bare = await fetch(`${base}/console`, { redirect: "manual" });
    expect(bare.status).to.equal(301);
    expect(bare.headers.get("location")).to.equal("/console/");
  });

  it("never serves a file outside the build folder", async () => {
    await serve(dir);
    // Raw request paths: fetch would normalize the dot segments away before sending.
    const raw = (p: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const { hostname, port } = new URL(base);
        http
          .get({ hostname, port, path: p }, (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          })
          .on("error", reject);
      });
    for (const attempt of [
      "/console/../console-static-secret.txt",
      "/console/%2e%2e/console-static-secret.txt",
      "/console/..%2fconsole-static-secret.txt",
      "/console/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "/console/media%00.svg",
      "/console/%E0%A4%A",
    ]) {
      const res = await raw(attempt);
      expect(res.text, attempt).not.to.contain("secret");
      expect(res.text, attempt).not.to.contain("root:");
      expect(res.status, attempt).to.be.oneOf([400, 404]);
    }
  });

  it("redirects /device (the link darkbloom login prints) to the console's device page", async () => {
    await serve(dir);
    const res = await fetch(`${base}/device?user_code=BCDF-GHJK`, { redirect: "manual" });
    expect(res.status).to.equal(302);
    expect(res.headers.get("location")).to.equal("/console/device?user_code=BCDF-GHJK");
  });

  it("refuses writes, and says how to build when the console is not built", async () => {
    await serve(path.join(dir, "not-built"));
    const post = await fetch(`${base}/console/`, { method: "POST" });
    expect(post.status).to.equal(405);
    const res = await fetch(`${base}/console/`);
    expect(res.status).to.equal(503);
    expect(await res.text()).to.contain("npm run build --prefix console");
  });
});
