import { FakeFileHost } from "@darkbloom/testing";
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { request } from "node:http";
import { mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../testbed/child-process.js";
import { inheritedEnv } from "../testbed/config.js";
import { startCoordinator, type RunningCoordinator } from "../testbed/testbed.js";

const PLATFORM = `${process.platform}-${process.arch}`;

/** Runs `curl -fsSL <coordinator>/install.sh | bash` as a user would, with the given env. */
function runInstaller(
  url: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", `set -o pipefail; curl -fsSL "${url}/install.sh" | bash`], {
      env: { PATH: inheritedEnv().PATH ?? "", ...env },
    });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    child.once("close", (code) => resolve({ code, output }));
  });
}

describe("install.sh from the coordinator: platform, latest release, SHA-256, versions/current, service", function () {
  this.timeout(120_000);
  let coordinator: RunningCoordinator | undefined;
  let host: FakeFileHost | undefined;
  let work = "";
  let files = "";

  const register = async (version: string, file: string, sha256: string): Promise<void> => {
    const res = await fetch(`${coordinator?.url}/v1/releases`, {
      method: "POST",
      headers: { authorization: "Bearer ci-secret", "content-type": "application/json" },
      body: JSON.stringify({
        version,
        notes: 'braces {} and "quotes" in the notes',
        artifacts: [
          { platform: "darwin-arm64", url: `${files}/mac.tgz`, sha256: "1".repeat(64) },
          { platform: PLATFORM, url: `${files}/${file}`, sha256 },
        ],
      }),
    });
    expect(res.status, await res.text()).to.equal(201);
  };

  before(async () => {
    coordinator = await startCoordinator({ DARKBLOOM_RELEASE_TOKEN: "ci-secret" });
    work = await mkdtemp(path.join(tmpdir(), "darkbloom-install-"));
    // The artifact: bin/darkbloom runs this checkout's real CLI (a release bundles its own).
    const payload = path.join(work, "payload");
    await mkdir(path.join(payload, "bin"), { recursive: true });
    await writeFile(
      path.join(payload, "bin", "darkbloom"),
      `#!/bin/sh\nexec "${process.execPath}" "${path.join(REPO_ROOT, "provider/bin/darkbloom.mjs")}" "$@"\n`,
      { mode: 0o755 },
    );
    const artifacts = path.join(work, "artifacts");
    await mkdir(artifacts);
    const tar = spawnSync("tar", [
      "-czf",
      path.join(artifacts, "provider.tgz"),
      "-C",
      payload,
      ".",
    ]);
    expect(tar.status).to.equal(0);
    host = new FakeFileHost({ dir: artifacts });
    files = await host.start();
  });
  after(async () => {
    await host?.close();
    await coordinator?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it("serves a shell script that points back at this coordinator", async () => {
    const res = await fetch(`${coordinator?.url}/install.sh`);
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.match(/^text\/x-shellscript/);
    const script = await res.text();
    expect(script.startsWith("#!/bin/sh\n")).to.equal(true);
    expect(script).to.contain(`DARKBLOOM_COORDINATOR:-${coordinator?.url}`);
    // A Host header is the client's claim: anything but host[:port] never reaches the script.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const u = new URL(coordinator?.url ?? "");
      request(
        {
          host: u.hostname,
          port: u.port,
          path: "/install.sh",
          headers: { host: "evil.example/$(rm -rf ~)" },
        },
        (res) => {
          res.resume();
          res.once("end", () => resolve(res.statusCode));
        },
      )
        .once("error", reject)
        .end();
    });
    expect(status).to.equal(400);
  });

  it("refuses an artifact whose SHA-256 differs from the release and installs nothing", async () => {
    await register("7.7.6", "provider.tgz", "0".repeat(64));
    const home = path.join(work, "home-bad");
    const r = await runInstaller(coordinator?.url ?? "", { HOME: home, DARKBLOOM_NO_SERVICE: "1" });
    expect(r.code, r.output).to.not.equal(0);
    expect(r.output).to.match(/does not match the release's 0{64}; nothing was installed/);
    expect(
      await stat(path.join(home, ".darkbloom/versions/current")).catch(() => "absent"),
    ).to.equal("absent");
  });

  it("installs the latest release under ~/.darkbloom and writes the systemd user unit", async () => {
    const tgz = await readFile(path.join(work, "artifacts", "provider.tgz"));
    await register("7.7.7", "provider.tgz", createHash("sha256").update(tgz).digest("hex"));
    const home = path.join(work, "home");
    const r = await runInstaller(coordinator?.url ?? "", { HOME: home, DARKBLOOM_NO_SERVICE: "1" });
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.contain(`installing for ${PLATFORM}`);
    const prefix = path.join(home, ".darkbloom");
    expect(await readlink(path.join(prefix, "versions/current"))).to.equal("7.7.7");

    const unitPath = path.join(home, ".config/systemd/user/darkbloom-provider.service");
    const unit = await readFile(unitPath, "utf8");
    const launcher = path.join(prefix, "bin/darkbloom");
    expect(unit).to.contain(
      `ExecStart="${launcher}" "start" "--coordinator" "${coordinator?.url}"`,
    );
    expect(unit).to.contain(`Environment="DARKBLOOM_HOME=${prefix}"`);
    // systemd-analyze ships with the systemd package (installed here); it checks keys and ExecStart.
    const verify = spawnSync("systemd-analyze", ["verify", unitPath]);
    expect(verify.error, "systemd-analyze is installed").to.equal(undefined);
    expect(verify.stderr.toString()).to.equal("");
    expect(verify.status).to.equal(0);

    // The launcher the service runs execs versions/current: the installed CLI answers.
    const version = spawnSync(launcher, ["version", "--json"], {
      env: { PATH: inheritedEnv().PATH ?? "", HOME: home },
    });
    expect(version.status, version.stderr.toString()).to.equal(0);
    expect(JSON.parse(version.stdout.toString().trim()))
      .to.have.property("version")
      .that.matches(/^\d+\.\d+\.\d+/);
  });
});
