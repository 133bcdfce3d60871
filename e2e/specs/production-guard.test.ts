import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { COORDINATOR_LOADER, REPO_ROOT, spawnTs } from "../testbed/child-process.js";
import { processLeakCheck } from "../testbed/process-audit.js";

const MAIN = path.join(REPO_ROOT, "services/coordinator/src/main.ts");

/**
 * The production guard: a coordinator reachable from other machines (a non-loopback listen
 * address) without DATABASE_URL must not silently keep money and keys in an embedded Postgres.
 */
describe("production guard: embedded Postgres on a public address", function () {
  this.timeout(120_000);
  let dataDir = "";
  const leaks = processLeakCheck();
  before(() => leaks.snapshot());
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "darkbloom-guard-"));
    await chmod(dataDir, 0o755);
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
  after(() => leaks.assertNoneLeft());

  const env = (extra: Record<string, string>) => ({
    DARKBLOOM_HOST: "0.0.0.0",
    DARKBLOOM_PORT: "0",
    DARKBLOOM_METRICS_PORT: "0",
    DARKBLOOM_SECURITY_MODE: "development",
    DARKBLOOM_DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    ...extra,
  });

  it("refuses to start, with a message naming the fix, and exits 1", async () => {
    const proc = spawnTs(MAIN, [], env({}), { loader: COORDINATOR_LOADER });
    try {
      const exit = new Promise<number | null>((r) => proc.child.once("exit", (c) => r(c)));
      await proc.waitFor(/Refusing to start: DARKBLOOM_HOST=0\.0\.0\.0 is not a loopback/, 30_000);
      expect(await exit).to.equal(1);
      expect(proc.output()).to.include("Set DATABASE_URL");
      expect(proc.output()).to.include("DARKBLOOM_ALLOW_EMBEDDED_POSTGRES=true");
      expect(proc.output()).to.not.match(/listening on/);
    } finally {
      await proc.kill();
    }
  });

  it("starts with DARKBLOOM_ALLOW_EMBEDDED_POSTGRES=true", async () => {
    const proc = spawnTs(MAIN, [], env({ DARKBLOOM_ALLOW_EMBEDDED_POSTGRES: "true" }), {
      loader: COORDINATOR_LOADER,
    });
    try {
      const [, url] = (await proc.waitFor(/listening on (http:\/\/\S+)/, 90_000)) as unknown as [
        string,
        string,
      ];
      const port = new URL(url).port;
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).to.equal(200);
    } finally {
      await proc.stop();
    }
  });
});
