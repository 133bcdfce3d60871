import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { REPO_ROOT, spawnTs } from "../testbed/child-process.js";
import { TEST_MODEL_ID, ensureTestModel } from "../testbed/test-model.js";
import {
  startCoordinator,
  startProvider,
  waitForModel,
  type RunningCoordinator,
  type RunningProvider,
} from "../testbed/testbed.js";

const CLI = path.join(REPO_ROOT, "provider/src/cli/main.ts");

interface ListedModel {
  id: string;
  name: string;
  description: string;
  published: boolean;
  context_length: number;
  providers: number;
  available: boolean;
}

describe("consumer API: GET /v1/models display data from the model registry", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: RunningProvider | undefined;
  let home = "";

  before(async () => {
    coordinator = await startCoordinator();
    home = await mkdtemp(path.join(tmpdir(), "darkbloom-catalog-"));
  });

  after(async () => {
    await provider?.stop();
    await coordinator?.stop();
    await rm(home, { recursive: true, force: true });
  });

  const list = async (): Promise<ListedModel[]> => {
    const client = new OpenAI({
      baseURL: `${coordinator?.url ?? ""}/v1`,
      apiKey: coordinator?.apiKey ?? "",
      maxRetries: 0,
    });
    return (await client.models.list()).data as unknown as ListedModel[];
  };

  it("lists a served model with its provider-reported data before it is published", async () => {
    provider = await startProvider(coordinator?.url ?? "");
    await waitForModel(coordinator?.url ?? "", coordinator?.apiKey ?? "", TEST_MODEL_ID);
    const model = (await list()).find((m) => m.id === TEST_MODEL_ID);
    expect(model).to.include({
      name: TEST_MODEL_ID,
      description: "",
      published: false,
      providers: 1,
      available: true,
    });
    expect(model?.context_length).to.be.greaterThan(0);
  });

  const publish = async (id: string, displayName: string): Promise<{ contextLength: number }> => {
    const proc = spawnTs(
      CLI,
      [
        "models",
        "publish",
        await ensureTestModel(),
        "--id",
        id,
        "--display-name",
        displayName,
        "--description",
        "Random weights for tests",
        "--base-url",
        `http://files.example.invalid/${id}/`,
        "--api-key",
        coordinator?.apiKey ?? "",
        "--coordinator",
        coordinator?.url ?? "",
        "--json",
      ],
      { DARKBLOOM_HOME: home, LOG_LEVEL: "warn" },
    );
    const code = await new Promise<number | null>((r) => proc.child.once("exit", (c) => r(c)));
    expect(code, proc.output()).to.equal(0);
    return JSON.parse(proc.output().trim().split("\n").at(-1) ?? "{}") as { contextLength: number };
  };

  it("lists a published model nobody serves right now as unavailable, after the served ones", async () => {
    const manifest = await publish("tiny-llama-offline", "Tiny Llama (offline)");
    const listed = await list();
    expect(listed.map((m) => m.id)).to.deep.equal([TEST_MODEL_ID, "tiny-llama-offline"]);
    expect(listed[1]).to.include({
      name: "Tiny Llama (offline)",
      published: true,
      providers: 0,
      available: false,
      context_length: manifest.contextLength,
    });
  });

  it("shows the published display name, description and context length next to live availability", async () => {
    const manifest = await publish(TEST_MODEL_ID, "Tiny Llama (test)");

    const model = (await list()).find((m) => m.id === TEST_MODEL_ID);
    expect(model).to.include({
      name: "Tiny Llama (test)",
      description: "Random weights for tests",
      published: true,
      providers: 1,
      available: true,
      context_length: manifest.contextLength,
    });
  });
});
