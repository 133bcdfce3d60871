import { expect } from "chai";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT, spawnTs, type Spawned } from "../testbed/child-process.js";
import { TEST_MODEL_ID, ensureTestModel } from "../testbed/test-model.js";
import { startCoordinator, waitForModel, type RunningCoordinator } from "../testbed/testbed.js";

const CLI = path.join(REPO_ROOT, "provider/src/cli/main.ts");

interface CliRun {
  code: number | null;
  output: string;
}

/** Runs `darkbloom ARGS` as a child process to completion. */
async function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const proc = spawnTs(CLI, args, { LOG_LEVEL: "warn", ...env });
  const code = await new Promise<number | null>((resolve) =>
    proc.child.once("exit", (c) => resolve(c)),
  );
  return { code, output: proc.output() };
}

/** The last JSON line a `--json` command printed. */
function lastJson(output: string): Record<string, unknown> {
  const line = output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .at(-1);
  return JSON.parse(line ?? "null") as Record<string, unknown>;
}

describe("the darkbloom CLI against a coordinator that requires provider tokens", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let home = "";
  let modelDir = "";
  const running: Spawned[] = [];
  const env = (): Record<string, string> => ({ DARKBLOOM_HOME: home });

  before(async () => {
    modelDir = await ensureTestModel();
    coordinator = await startCoordinator({
      DARKBLOOM_REQUIRE_PROVIDER_TOKEN: "true",
      DARKBLOOM_DEVICE_POLL_INTERVAL_MS: "1000",
    });
    home = await mkdtemp(path.join(tmpdir(), "darkbloom-cli-"));
  });

  after(async () => {
    await cli(["stop", "--timeout-ms", "20000"], env());
    for (const p of running) await p.kill();
    await coordinator?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it("refuses a provider without a token, saying to log in", async () => {
    const bare = await mkdtemp(path.join(tmpdir(), "darkbloom-bare-"));
    const proc = spawnTs(
      CLI,
      ["start", "--coordinator", coordinator?.url ?? "", "--model", modelDir],
      {
        DARKBLOOM_HOME: bare,
        LOG_LEVEL: "warn",
      },
    );
    running.push(proc);
    try {
      await proc.waitFor(/provider_token_required|darkbloom login/, 60_000);
    } finally {
      await proc.stop();
      await rm(bare, { recursive: true, force: true });
    }
  });

  it("login links the machine to the approving account through the device-code flow", async () => {
    const login = spawnTs(CLI, ["login", "--coordinator", coordinator?.url ?? ""], {
      ...env(),
      LOG_LEVEL: "warn",
    });
    running.push(login);
    const [, userCode] = (await login.waitFor(/code: ([A-Z]{4}-[A-Z]{4})/, 30_000)) as unknown as [
      string,
      string,
    ];
    const approve = await fetch(`${coordinator?.url}/v1/device/approve`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${coordinator?.apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ user_code: userCode }),
    });
    expect(approve.status).to.equal(200);
    const code = await new Promise<number | null>((r) => login.child.once("exit", (c) => r(c)));
    expect(code, login.output()).to.equal(0);
    const creds = JSON.parse(await readFile(path.join(home, "credentials.json"), "utf8")) as {
      token: string;
    };
    expect(creds.token).to.match(/^dbp_/);
  });

  it("start --daemon detaches; status shows the connection, models and earnings; stop drains", async () => {
    const url = coordinator?.url ?? "";
    const start = await cli(
      ["start", "--daemon", "--coordinator", url, "--model", modelDir],
      env(),
    );
    expect(start.code, start.output).to.equal(0);
    expect(existsSync(path.join(home, "daemon.pid"))).to.equal(true);
    await waitForModel(url, coordinator?.apiKey ?? "", TEST_MODEL_ID);

    // the daemon rewrites its status file every second: poll until it has seen the registration
    let status = await cli(["status", "--json"], env());
    for (let i = 0; i < 20 && lastJson(status.output)["connection"] !== "registered"; i++)
      status = await cli(["status", "--json"], env());
    expect(status.code, status.output).to.equal(0);
    const s = lastJson(status.output) as {
      running: boolean;
      connection: string;
      models: Array<{ id: string; state: string }>;
      earnings: { accountId?: string; balanceMicroUsd?: string };
    };
    expect(s.running).to.equal(true);
    expect(s.connection).to.equal("registered");
    expect(s.models.map((m) => [m.id, m.state])).to.deep.equal([[TEST_MODEL_ID, "loaded"]]);
    const creds = JSON.parse(await readFile(path.join(home, "credentials.json"), "utf8")) as {
      accountId: string;
    };
    expect(s.earnings.accountId).to.equal(creds.accountId);
    expect(s.earnings.balanceMicroUsd).to.match(/^\d+$/);

    const stop = await cli(["stop"], env());
    expect(stop.code, stop.output).to.equal(0);
    expect(existsSync(path.join(home, "daemon.pid"))).to.equal(false);
    const after = await cli(["status"], env());
    expect(after.code).to.equal(4);
    expect(await readFile(path.join(home, "logs", "daemon.log"), "utf8")).to.not.match(/Error:/);
  });

  it("logout revokes the token at the coordinator: the gateway refuses it at the next registration", async () => {
    const url = coordinator?.url ?? "";
    const saved = await readFile(path.join(home, "credentials.json"), "utf8");
    const token = (JSON.parse(saved) as { token: string }).token;
    const out = await cli(["logout", "--json"], env());
    expect(out.code, out.output).to.equal(0);
    expect(lastJson(out.output)).to.deep.equal({ loggedOut: true, revoked: true });
    expect(existsSync(path.join(home, "credentials.json"))).to.equal(false);
    const account = await fetch(`${url}/v1/provider/account`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(account.status).to.equal(401);

    // A copy of the old credentials (a backup, another machine) no longer registers.
    const copy = await mkdtemp(path.join(tmpdir(), "darkbloom-revoked-"));
    await writeFile(path.join(copy, "credentials.json"), saved, { mode: 0o600 });
    const proc = spawnTs(CLI, ["start", "--coordinator", url, "--model", modelDir], {
      DARKBLOOM_HOME: copy,
      LOG_LEVEL: "warn",
    });
    running.push(proc);
    try {
      await proc.waitFor(/invalid_provider_token|unknown or revoked/, 60_000);
    } finally {
      await proc.stop();
      await rm(copy, { recursive: true, force: true });
    }
  });
});
