import { execFileSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { isTreeCodeFile, treeHashOf, weightHashOf } from "@darkbloom/crypto";
import { expect } from "chai";
import { REPO_ROOT } from "../testbed/child-process.js";
import { TEST_MODEL_ID, ensureTestModel } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

/** `sha256sum` of files under `cwd` (the release tooling's view, independent of the provider). */
function sha256sum(cwd: string, files: string[]): Array<{ name: string; sha256: string }> {
  const out = execFileSync("sha256sum", files, { cwd, encoding: "utf8" });
  return out
    .trim()
    .split("\n")
    .map((line) => {
      const [sha256 = "", name = ""] = line.split(/\s+\*?/);
      return { name, sha256 };
    });
}

async function listFiles(root: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (e.name !== "node_modules" && !e.name.startsWith("."))
        out.push(...(await listFiles(root, child)));
    } else out.push(child);
  }
  return out;
}

describe("attestation against the release and model registries", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  let modelFiles: Array<{ name: string; sha256: string }> = [];

  before(async () => {
    const modelDir = await ensureTestModel();
    modelFiles = sha256sum(modelDir, await readdir(modelDir));
    coordinator = await startCoordinator({
      DARKBLOOM_ATTESTATION_CHALLENGE_INTERVAL_MS: "300",
      DARKBLOOM_REQUIRE_RELEASE_BINARY: "true",
    });
    expect((await publishModel(modelFiles)).status).to.equal(201);
    provider = await startProvider(coordinator.url);
  });

  after(async () => {
    await provider?.stop();
    await coordinator?.stop();
  });

  const admin = (): Record<string, string> => ({
    authorization: `Bearer ${coordinator?.apiKey}`,
    "content-type": "application/json",
  });

  function publishModel(files: Array<{ name: string; sha256: string }>): Promise<Response> {
    const manifest = {
      id: TEST_MODEL_ID,
      family: "llama",
      quantization: "float32",
      sizeBytes: 0,
      contextLength: 0,
      weightHash: weightHashOf(files),
      chatTemplateHash: "",
      files: files.map((f) => ({
        path: f.name,
        url: `http://127.0.0.1:9/${f.name}`,
        sizeBytes: 0,
        sha256: f.sha256,
      })),
    };
    return fetch(`${coordinator?.url}/v1/admin/models`, {
      method: "POST",
      headers: admin(),
      body: JSON.stringify({ manifest }),
    });
  }

  async function attestedProviders(): Promise<number> {
    const res = await fetch(`${coordinator?.url}/darkbloom.v1.AttestationService/GetProviderKeys`, {
      method: "POST",
      headers: admin(),
      body: JSON.stringify({ model: TEST_MODEL_ID }),
    });
    const body = (await res.json()) as { keys?: unknown[] };
    return body.keys?.length ?? 0;
  }

  async function goodAnswers(): Promise<number> {
    const text = await (await fetch(`${coordinator?.metricsUrl}/metrics`)).text();
    const line = text
      .split("\n")
      .find((l) => l.startsWith("darkbloom_attestation_good_answers_total "));
    return Number(line?.split(" ")[1] ?? 0);
  }

  async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
    const until = Date.now() + 30_000;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`not within 30 s: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const chat = (): Promise<Response> =>
    fetch(`${coordinator?.url}/v1/chat/completions`, {
      method: "POST",
      headers: admin(),
      body: JSON.stringify({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 2,
      }),
    });

  it("fences a provider whose version has no release with its code-tree hash", async () => {
    // connected and answering challenges, yet fenced
    await eventually(async () => (await goodAnswers()) >= 2, "two good challenge answers");
    expect(await attestedProviders()).to.equal(0);
    expect((await chat()).status).to.not.equal(200);
  });

  it("routes it once the release registers the tree hash sha256sum computes for the package", async () => {
    const providerRoot = path.join(REPO_ROOT, "provider");
    const code = (await listFiles(providerRoot)).filter(isTreeCodeFile);
    const treeSha256 = treeHashOf(sha256sum(providerRoot, code));
    const res = await fetch(`${coordinator?.url}/v1/releases`, {
      method: "POST",
      headers: admin(),
      body: JSON.stringify({
        version: "0.1.0",
        artifacts: [
          {
            platform: "test-os",
            url: "http://127.0.0.1:9/darkbloom.tgz",
            sha256: "ab".repeat(32),
            treeSha256,
          },
        ],
      }),
    });
    expect(res.status).to.equal(201);
    await eventually(async () => (await attestedProviders()) === 1, "the provider is routable");
    expect((await chat()).status).to.equal(200);
  });

  it("fences the model when the registry publishes other weights for it", async () => {
    const tampered = modelFiles.map((f) =>
      f.name.endsWith(".safetensors") ? { ...f, sha256: "0".repeat(64) } : f,
    );
    expect((await publishModel(tampered)).status).to.equal(201);
    await eventually(async () => (await attestedProviders()) === 0, "the model is fenced");
    expect((await chat()).status).to.not.equal(200);
    expect((await publishModel(modelFiles)).status).to.equal(201);
    await eventually(async () => (await attestedProviders()) === 1, "routable again");
  });
});
