import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, readlink, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import {
  REPO_ROOT,
  exitOutcome,
  spawnTs,
  type SpawnOptions,
  type Spawned,
} from "../testbed/child-process.js";
import { TEST_MODEL_ID, ensureTestModel } from "../testbed/test-model.js";
import { startCoordinator, waitForModel, type RunningCoordinator } from "../testbed/testbed.js";
import { FakeFileHost } from "@darkbloom/testing";

const CLI = path.join(REPO_ROOT, "provider/src/cli/main.ts");

async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const proc = spawnTs(CLI, args, { LOG_LEVEL: "warn", ...env });
  const code = await new Promise<number | null>((resolve) =>
    proc.child.once("exit", (c) => resolve(c)),
  );
  return { code, output: proc.output() };
}

describe("provider lifecycle: drain, broken models, registry downloads, releases, services", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let work = "";
  let modelDir = "";
  let host: FakeFileHost | undefined;
  const url = (): string => coordinator?.url ?? "";

  before(async () => {
    modelDir = await ensureTestModel();
    coordinator = await startCoordinator({ DARKBLOOM_RELEASE_TOKEN: "ci-secret" });
    work = await mkdtemp(path.join(tmpdir(), "darkbloom-life-"));
  });

  after(async () => {
    await host?.close();
    await coordinator?.stop();
    await rm(work, { recursive: true, force: true });
  });

  /**
   * Starts a foreground provider (`logLevel` info: it logs as it drains), streams a long answer
   * and calls `stopIt` at the first token; the answer must finish and the provider exit 0.
   */
  async function drainsOn(
    name: string,
    stopIt: (proc: Spawned) => void,
    logLevel = "warn",
    options: SpawnOptions = {},
  ): Promise<void> {
    const proc = spawnTs(
      CLI,
      ["start", "--coordinator", url(), "--model", modelDir],
      { DARKBLOOM_HOME: path.join(work, name), LOG_LEVEL: logLevel },
      options,
    );
    try {
      await proc.waitFor(/provider serving/, 60_000);
      await waitForModel(url(), coordinator?.apiKey ?? "", TEST_MODEL_ID);
      const client = new OpenAI({
        baseURL: `${url()}/v1`,
        apiKey: coordinator?.apiKey ?? "",
        maxRetries: 0,
      });
      const stream = await client.chat.completions.create({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "Count upwards forever." }],
        max_tokens: 200,
        temperature: 0,
        stream: true,
      });
      let chunks = 0;
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content && ++chunks === 1) stopIt(proc);
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(chunks).to.be.greaterThan(1);
      expect(finish).to.be.oneOf(["length", "stop"]);
      expect(await exitOutcome(proc.child, 120_000)).to.equal(0);
    } finally {
      await proc.kill();
    }
  }

  it("SIGTERM lets the request in flight finish, then the provider exits 0", () =>
    drainsOn("drain", (proc) => proc.child.kill("SIGTERM")));

  it("the terminal closing (SIGHUP, its output gone) lets the request in flight finish, then it exits 0", () =>
    drainsOn(
      "hangup",
      (proc) => {
        // the terminal is gone: nothing reads its output any more, and the hangup goes to its
        // whole process group (it runs as a shell runs a foreground job)
        proc.child.stdout?.destroy();
        proc.child.stderr?.destroy();
        process.kill(-(proc.child.pid ?? 0), "SIGHUP");
      },
      "info",
      { processGroup: true },
    ));

  it("serves the good model and reports a corrupt one and a throwing template, without crashing", async () => {
    const home = path.join(work, "broken");
    const corrupt = path.join(work, "corrupt-llama");
    const badTemplate = path.join(work, "bad-template-llama");
    await cp(modelDir, corrupt, { recursive: true });
    await truncate(path.join(corrupt, "model.safetensors"), 500_000);
    await cp(modelDir, badTemplate, { recursive: true });
    const tc = JSON.parse(
      await readFile(path.join(badTemplate, "tokenizer_config.json"), "utf8"),
    ) as Record<string, unknown>;
    tc["chat_template"] = "{{ raise_exception('this template always fails') }}";
    await writeFile(path.join(badTemplate, "tokenizer_config.json"), JSON.stringify(tc));

    const only = await cli(["start", "--coordinator", url(), "--model", corrupt], {
      DARKBLOOM_HOME: home,
    });
    expect(only.code, only.output).to.equal(3);
    expect(only.output).to.match(/corrupt-llama failed to load: corrupt weights .*past the end/);

    const doctor = await cli(["doctor", "--offline", "--model", corrupt], { DARKBLOOM_HOME: home });
    expect(doctor.code).to.equal(3);
    expect(doctor.output).to.match(/FAIL\] model corrupt-llama[\s\S]*fix: darkbloom models remove/);

    const proc = spawnTs(
      CLI,
      [
        "start",
        "--coordinator",
        url(),
        "--model",
        modelDir,
        "--model",
        corrupt,
        "--model",
        badTemplate,
      ],
      { DARKBLOOM_HOME: home, LOG_LEVEL: "warn" },
    );
    try {
      await proc.waitFor(/provider serving/, 60_000);
      const status = await cli(["status", "--json"], { DARKBLOOM_HOME: home });
      const s = JSON.parse(
        status.output
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .at(-1) ?? "{}",
      ) as {
        models: Array<{ id: string; state: string; templateOk: boolean; error: string }>;
      };
      const byId = new Map(s.models.map((m) => [m.id, m]));
      expect(byId.get(TEST_MODEL_ID)?.state).to.equal("loaded");
      expect(byId.get("corrupt-llama")?.state).to.equal("failed");
      expect(byId.get("corrupt-llama")?.error).to.match(/corrupt weights/);
      expect(byId.get("bad-template-llama")?.templateOk).to.equal(false);
      expect(byId.get("bad-template-llama")?.error).to.match(/always fails/);
    } finally {
      await proc.stop();
    }
    expect(proc.child.exitCode).to.equal(0);
  });

  it("models publish registers a manifest; models download fetches and verifies it; retire removes it", async () => {
    host = new FakeFileHost({ dir: modelDir });
    const files = await host.start();
    const home = path.join(work, "dl");
    const pub = await cli(
      [
        "models",
        "publish",
        modelDir,
        "--id",
        "tiny-copy",
        "--base-url",
        `${files}/`,
        "--api-key",
        coordinator?.apiKey ?? "",
        "--coordinator",
        url(),
      ],
      { DARKBLOOM_HOME: home },
    );
    expect(pub.code, pub.output).to.equal(0);
    const manifest = (await (await fetch(`${url()}/v1/models/tiny-copy/manifest`)).json()) as {
      weightHash: string;
      files: unknown[];
    };
    expect(manifest.files).to.have.length(4);

    const dl = await cli(["models", "download", "tiny-copy", "--coordinator", url(), "--json"], {
      DARKBLOOM_HOME: home,
    });
    expect(dl.code, dl.output).to.equal(0);
    const verify = await cli(["models", "verify", "tiny-copy", "--coordinator", url()], {
      DARKBLOOM_HOME: home,
    });
    expect(verify.code, verify.output).to.equal(0);
    expect(verify.output)
      .to.contain(manifest.weightHash)
      .and.contain("checked against the registry");
    const list = await cli(["models", "list", "--json"], { DARKBLOOM_HOME: home });
    expect(list.output).to.contain('"id":"tiny-copy"');

    const retire = await fetch(`${url()}/v1/admin/models/tiny-copy`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${coordinator?.apiKey}` },
    });
    expect(retire.status).to.equal(200);
    expect((await fetch(`${url()}/v1/models/tiny-copy/manifest`)).status).to.equal(404);
    const again = await cli(["models", "download", "tiny-copy", "--coordinator", url()], {
      DARKBLOOM_HOME: home,
    });
    expect(again.code).to.equal(2);
  });

  it("update installs the latest release registered with the CI token, after checking its SHA-256", async () => {
    expect((await fetch(`${url()}/v1/releases/latest`)).status).to.equal(404);
    const artifacts = path.join(work, "artifacts");
    await cp(
      path.join(REPO_ROOT, "provider/package.json"),
      path.join(artifacts, "payload", "package.json"),
      { recursive: true },
    );
    // The release's own probe (`bin/darkbloom version --json`) is update's health check.
    await mkdir(path.join(artifacts, "payload", "bin"), { recursive: true });
    await writeFile(
      path.join(artifacts, "payload", "bin", "darkbloom"),
      `#!/bin/sh\necho '{"version":"9.9.9"}'\n`,
      { mode: 0o755 },
    );
    const tar = spawnSync("tar", [
      "-czf",
      path.join(artifacts, "darkbloom.tgz"),
      "-C",
      path.join(artifacts, "payload"),
      ".",
    ]);
    expect(tar.status).to.equal(0);
    const sha256 = createHash("sha256")
      .update(await readFile(path.join(artifacts, "darkbloom.tgz")))
      .digest("hex");
    await host?.close();
    host = new FakeFileHost({ dir: artifacts });
    const files = await host.start();
    const register = (version: string, digest: string): Promise<Response> =>
      fetch(`${url()}/v1/releases`, {
        method: "POST",
        headers: { authorization: "Bearer ci-secret", "content-type": "application/json" },
        body: JSON.stringify({
          version,
          artifacts: [{ platform: "test-os", url: `${files}/darkbloom.tgz`, sha256: digest }],
        }),
      });
    expect((await register("9.9.9", sha256)).status).to.equal(201);
    expect(
      (
        await fetch(`${url()}/v1/releases`, {
          method: "POST",
          headers: { authorization: "Bearer wrong" },
          body: "{}",
        })
      ).status,
    ).to.equal(401);

    const home = path.join(work, "upd");
    const up = await cli(["update", "--platform", "test-os", "--coordinator", url(), "--json"], {
      DARKBLOOM_HOME: home,
    });
    expect(up.code, up.output).to.equal(0);
    expect(await readFile(path.join(home, "versions", "9.9.9", "package.json"), "utf8")).to.contain(
      "@darkbloom/provider",
    );
    expect(await readlink(path.join(home, "versions", "current"))).to.equal("9.9.9");

    expect((await register("9.9.10", "0".repeat(64))).status).to.equal(201);
    const bad = await cli(["update", "--platform", "test-os", "--coordinator", url()], {
      DARKBLOOM_HOME: home,
    });
    expect(bad.code).to.equal(3);
    expect(bad.output).to.match(/does not match/);
    expect(await readlink(path.join(home, "versions", "current"))).to.equal("9.9.9");

    // A release that cannot run: update switches to it, its health check fails, it rolls back.
    await writeFile(
      path.join(artifacts, "payload", "bin", "darkbloom"),
      `#!/bin/sh\necho "Library not loaded: mlx.node" >&2\nexit 1\n`,
      { mode: 0o755 },
    );
    spawnSync("tar", [
      "-czf",
      path.join(artifacts, "broken.tgz"),
      "-C",
      path.join(artifacts, "payload"),
      ".",
    ]);
    const brokenSha = createHash("sha256")
      .update(await readFile(path.join(artifacts, "broken.tgz")))
      .digest("hex");
    const broken = await fetch(`${url()}/v1/releases`, {
      method: "POST",
      headers: { authorization: "Bearer ci-secret", "content-type": "application/json" },
      body: JSON.stringify({
        version: "9.9.11",
        artifacts: [{ platform: "test-os", url: `${files}/broken.tgz`, sha256: brokenSha }],
      }),
    });
    expect(broken.status).to.equal(201);
    const rolled = await cli(["update", "--platform", "test-os", "--coordinator", url()], {
      DARKBLOOM_HOME: home,
    });
    expect(rolled.code, rolled.output).to.equal(3);
    expect(rolled.output).to.match(/9\.9\.11 failed its health check .*rolled back to 9\.9\.9/);
    expect(await readlink(path.join(home, "versions", "current"))).to.equal("9.9.9");
  });

  it("install-service writes a systemd user unit that runs start, and uninstall-service removes it", async () => {
    const userHome = path.join(work, "user");
    const env = { HOME: userHome, DARKBLOOM_HOME: path.join(userHome, ".darkbloom") };
    const inst = await cli(["install-service", "--no-enable", "--json"], env);
    expect(inst.code, inst.output).to.equal(0);
    const unit = await readFile(
      path.join(userHome, ".config/systemd/user/darkbloom-provider.service"),
      "utf8",
    );
    // The service runs the launcher, which execs versions/current (or this checkout without one).
    const launcher = path.join(env.DARKBLOOM_HOME, "bin", "darkbloom");
    expect(unit).to.contain(`ExecStart="${launcher}" "start"`);
    expect(await readFile(launcher, "utf8")).to.match(/^exec '.*node[^']*' .*"\$@"$/m);
    expect(unit).to.contain(`Environment="DARKBLOOM_HOME=${env.DARKBLOOM_HOME}"`);
    expect(unit).to.match(/^KillSignal=SIGTERM$/m);
    expect(inst.output).to.contain("systemctl --user enable --now darkbloom-provider.service");
    const un = await cli(["uninstall-service", "--no-enable"], env);
    expect(un.code).to.equal(0);
    const again = await cli(["uninstall-service", "--no-enable"], env);
    expect(again.code).to.equal(4);
  });
});
