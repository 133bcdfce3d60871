import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "@darkbloom/testing";
import { assembleImage, type ImageTree } from "../testbed/image-tree.js";
import { startSharedPostgres, type SharedPostgres } from "../testbed/shared-postgres.js";

/** Every file under a folder with its size and mtime (to see that nothing was written). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) {
        const s = statSync(full);
        out.set(path.relative(dir, full), `${s.size}:${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * The coordinator image carried out without Docker (e2e/testbed/image-tree.ts): the Dockerfile's
 * own COPY and npm instructions assemble its filesystem, then its ENTRYPOINT starts against a real
 * Postgres with only the image's ENV and the settings a pod gets. Proves the image holds every
 * file and package the coordinator needs and that it writes nothing to disk (it runs on a
 * read-only root filesystem in Kubernetes).
 */
describe("services/coordinator/Dockerfile, assembled and started without Docker", function () {
  this.timeout(240_000);
  let work: string;
  let image: ImageTree;
  let postgres: SharedPostgres | undefined;
  let child: ChildProcess | undefined;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), "darkbloom-image-"));
    image = await assembleImage("services/coordinator/Dockerfile", work);
    postgres = await startSharedPostgres();
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
    await postgres?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("serves the API and metrics from the image's files alone, writes nothing, and exits on SIGTERM", async () => {
    expect(image.user).to.equal("1000:1000");
    const before = snapshot(image.root);
    const home = mkdtempSync(path.join(work, "home-"));
    const tmp = mkdtempSync(path.join(work, "tmp-"));
    const [port, metricsPort] = [await freePort(), await freePort()];
    child = spawn(image.command[0]!, image.command.slice(1), {
      cwd: image.workdir,
      // Only what a pod gets: the image's ENV plus the operator's settings and secrets.
      env: {
        ...image.env,
        HOME: home,
        TMPDIR: tmp,
        DARKBLOOM_HOST: "127.0.0.1",
        DARKBLOOM_METRICS_HOST: "127.0.0.1",
        DARKBLOOM_PORT: String(port),
        DARKBLOOM_METRICS_PORT: String(metricsPort),
        DATABASE_URL: postgres!.url,
        DARKBLOOM_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"),
        DARKBLOOM_PREFIX_HASH_SECRET: Buffer.alloc(32, 2).toString("base64"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr!.on("data", (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child!.once("exit", (code) => resolve(code)),
    );
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (/coordinator listening on/i.test(output)) resolve();
      };
      child!.stdout!.on("data", check);
      void exited.then((code) => reject(new Error(`coordinator exited (${code}):\n${output}`)));
    });

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).to.equal(200);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).to.match(/^darkbloom_providers_connected 0$/m);

    child.kill("SIGTERM");
    expect(await exited, output).to.equal(0);
    expect(readdirSync(tmp), "files written to TMPDIR").to.deep.equal([]);
    expect(readdirSync(home), "files written to HOME").to.deep.equal([]);
    expect(
      [...snapshot(image.root)].filter(([f, v]) => before.get(f) !== v),
      "files written in the image",
    ).to.deep.equal([]);
  });
});
