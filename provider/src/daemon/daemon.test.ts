import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { generateKeyPair } from "@darkbloom/crypto";
import { encodeFrame } from "@darkbloom/frames";
import {
  BenchmarkSchema,
  LoadState,
  ProviderFrameSchema,
  SlotState,
  type ProviderFrame,
} from "@darkbloom/proto";
import { createLogger } from "@darkbloom/telemetry";
import { expect } from "chai";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { testModelDir } from "../engine/test-fixture.js";
import { ProviderDaemon } from "./daemon.js";
import { DEFAULT_GATE, GIB } from "./memory-gate.js";
import { ModelSet } from "./model-set.js";
import { fakeCoordinator } from "./testing/fake-coordinator.js";

const log = createLogger({ level: "error", write: () => undefined });

describe("ProviderDaemon", function () {
  this.timeout(60_000);
  let work = "";
  let coordinator: Awaited<ReturnType<typeof fakeCoordinator>> | undefined;
  let daemon: ProviderDaemon | undefined;

  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), "darkbloom-daemon-"));
    coordinator = await fakeCoordinator();
  });
  afterEach(async () => {
    await daemon?.stop(0);
    await coordinator?.close();
    await rm(work, { recursive: true, force: true });
  });

  const waitFor = async <T>(find: (frames: ProviderFrame[]) => T | undefined): Promise<T> => {
    for (let i = 0; i < 400; i++) {
      const hit = find(coordinator?.frames ?? []);
      if (hit !== undefined) return hit;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error("frame never arrived");
  };
  const loadStatuses = (id: string) => (frames: ProviderFrame[]) => {
    const states = frames.flatMap((f) =>
      f.kind.case === "loadModelStatus" && f.kind.value.modelId === id ? [f.kind.value] : [],
    );
    return states.some((s) => s.state !== LoadState.LOADING) ? states : undefined;
  };
  const send = (kind: MessageInitShape<typeof ProviderFrameSchema>["kind"]): void =>
    coordinator?.sockets[0]?.send(encodeFrame(create(ProviderFrameSchema, { kind })));

  it("registers its benchmarks, loads and unloads models on LoadModel/UnloadModel with status replies", async () => {
    const modelsDir = path.join(work, "models");
    await cp(testModelDir(), path.join(modelsDir, "warm-llama"), { recursive: true });
    const models = new ModelSet(
      { ...DEFAULT_GATE, totalBytes: 64 * GIB, capOverrideBytes: 0 },
      log,
    );
    await models.load(testModelDir(), true);
    daemon = new ProviderDaemon({
      coordinatorUrl: coordinator?.url ?? "",
      authToken: "",
      version: "t",
      keys: generateKeyPair(),
      models,
      modelsDir,
      benchmarks: [create(BenchmarkSchema, { modelId: "tiny-llama", decodeTokensPerSecond: 42 })],
      idleUnloadMs: 3_600_000,
      writeTimeoutMs: 5000,
      maxFrameBytes: 1 << 20,
      minBackoffMs: 20,
      maxBackoffMs: 100,
      log,
    });
    daemon.start();
    const register = await waitFor((fs) => fs.find((f) => f.kind.case === "register"));
    if (register.kind.case !== "register") throw new Error("unreachable");
    expect(
      register.kind.value.benchmarks.map((b) => [b.modelId, b.decodeTokensPerSecond]),
    ).to.deep.equal([["tiny-llama", 42]]);
    await waitFor((fs) => fs.find((f) => f.kind.case === "heartbeat"));

    send({ case: "loadModel", value: { modelId: "warm-llama" } });
    const loaded = await waitFor(loadStatuses("warm-llama"));
    expect(loaded.map((s) => s.state)).to.deep.equal([LoadState.LOADING, LoadState.LOADED]);
    await waitFor((fs) =>
      fs.find(
        (f) =>
          f.kind.case === "heartbeat" &&
          f.kind.value.slots.some((s) => s.modelId === "warm-llama" && s.state === SlotState.IDLE),
      ),
    );
    expect(daemon.snapshot().models.map((m) => m.id)).to.deep.equal(["tiny-llama", "warm-llama"]);

    send({ case: "loadModel", value: { modelId: "absent" } });
    const absent = await waitFor(loadStatuses("absent"));
    expect(absent.at(-1)?.state).to.equal(LoadState.FAILED);
    expect(absent.at(-1)?.message).to.match(/darkbloom models download absent/);

    send({ case: "unloadModel", value: { modelId: "warm-llama" } });
    await waitFor((fs) =>
      fs.find(
        (f) => f.kind.case === "loadModelStatus" && f.kind.value.state === LoadState.UNLOADED,
      ),
    );
    expect(daemon.snapshot().models.map((m) => m.id)).to.deep.equal(["tiny-llama"]);
  });

  it("announces its inventory, reports KV capacity, and marks an unloaded model IDLE_SHUTDOWN at once", async () => {
    const modelsDir = path.join(work, "models");
    await cp(testModelDir(), path.join(modelsDir, "disk-llama"), { recursive: true });
    const models = new ModelSet(
      { ...DEFAULT_GATE, totalBytes: 64 * GIB, capOverrideBytes: 0 },
      log,
    );
    await models.load(testModelDir(), true);
    daemon = new ProviderDaemon({
      coordinatorUrl: coordinator?.url ?? "",
      authToken: "",
      version: "t",
      keys: generateKeyPair(),
      models,
      modelsDir,
      benchmarks: [],
      idleUnloadMs: 3_600_000,
      writeTimeoutMs: 5000,
      maxFrameBytes: 1 << 20,
      minBackoffMs: 20,
      maxBackoffMs: 100,
      log,
    });
    daemon.start();
    const register = await waitFor((fs) => fs.find((f) => f.kind.case === "register"));
    if (register.kind.case !== "register") throw new Error("unreachable");
    expect(register.kind.value.models.map((m) => [m.id, m.onDiskOnly])).to.deep.equal([
      ["tiny-llama", false],
      ["disk-llama", true],
    ]);
    expect(Number(register.kind.value.models[1]?.sizeBytes)).to.be.greaterThan(0);
    const slotsOf = (f: ProviderFrame | undefined) =>
      f?.kind.case === "heartbeat" ? f.kind.value.slots : [];
    const first = slotsOf(await waitFor((fs) => fs.find((f) => f.kind.case === "heartbeat")));
    const tiny = first.find((s) => s.modelId === "tiny-llama");
    expect(tiny?.state).to.equal(SlotState.IDLE);
    expect(Number(tiny?.kvCapacityTokens)).to.equal(models.kvCapacityTokens("tiny-llama"));
    expect(Number(tiny?.kvCapacityTokens)).to.be.greaterThan(2048);
    expect(first.find((s) => s.modelId === "disk-llama")?.state).to.equal(SlotState.IDLE_SHUTDOWN);

    const before = coordinator?.frames.length ?? 0;
    send({ case: "unloadModel", value: { modelId: "tiny-llama" } });
    const after = await waitFor((fs) =>
      fs
        .slice(before)
        .find(
          (f) =>
            f.kind.case === "heartbeat" &&
            f.kind.value.slots.some(
              (s) => s.modelId === "tiny-llama" && s.state === SlotState.IDLE_SHUTDOWN,
            ),
        ),
    );
    expect(
      slotsOf(after)
        .map((s) => s.modelId)
        .sort(),
    ).to.deep.equal(["disk-llama", "tiny-llama"]);
  });
});
