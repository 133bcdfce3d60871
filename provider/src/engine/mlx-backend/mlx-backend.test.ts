import { FakeFileHost } from "@darkbloom/testing";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { checkMlxBackend } from "../../cli/doctor-mlx.js";
import { archiveSha256, ensureMlx, installedMlx, MlxSetupError } from "./mlx-install.js";
import { checkedInPins, mlxPlan, type MlxPins } from "./mlx-plan.js";
import { packagedMlxVersion, planFor } from "./prepare-mlx.js";

describe("MLX backend setup (platform simulated, downloads from a fake host)", function () {
  this.timeout(20_000);
  let work = "";
  let host: FakeFileHost | undefined;
  let base = "";
  let pins: MlxPins = {};
  const version = packagedMlxVersion();
  const nodeBytes = randomBytes(4096);
  const metallibBytes = randomBytes(2048);

  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), "darkbloom-mlx-"));
    const files = path.join(work, "release");
    await mkdir(files);
    // What the package's GitHub release serves: gzip archives named as install.js asks for them.
    await writeFile(path.join(files, "mlx-mac-arm64.node.gz"), gzipSync(nodeBytes));
    await writeFile(path.join(files, "mlx-mac-arm64.metallib.gz"), gzipSync(metallibBytes));
    pins = {
      [version]: {
        "darwin-arm64": {
          "mlx-mac-arm64.node.gz": await archiveSha256(path.join(files, "mlx-mac-arm64.node.gz")),
          "mlx-mac-arm64.metallib.gz": await archiveSha256(
            path.join(files, "mlx-mac-arm64.metallib.gz"),
          ),
        },
      },
    };
    host = new FakeFileHost({ dir: files });
    base = await host.start();
  });
  afterEach(async () => {
    await host?.close();
    await rm(work, { recursive: true, force: true });
  });

  const mac = (over: { pins?: MlxPins; baseUrl?: string } = {}) => ({
    platform: "darwin",
    arch: "arm64",
    homeDir: path.join(work, "home"),
    baseUrl: over.baseUrl ?? base,
    pins: over.pins ?? pins,
  });

  it("on Linux x64 uses the packaged CPU binary and downloads nothing", async () => {
    const linux = { platform: "linux", arch: "x64", homeDir: work, baseUrl: base };
    const binary = await ensureMlx(planFor(linux), work);
    expect(binary).to.deep.include({ backend: "cpu", binaryPath: undefined });
    expect(host?.requests).to.deep.equal([]);
    const check = await checkMlxBackend(linux, false);
    expect(check.status).to.equal("ok");
    expect(check.detail).to.match(/^CPU \(linux-x64\) — Linux: the CPU build of MLX packaged/);
  });

  it("on darwin-arm64 fetches mlx.node and mlx.metallib from the release URL, verifies, unpacks once", async () => {
    const plan = planFor(mac());
    expect(plan.backend === "metal" && plan.downloads.map((d) => d.url)).to.deep.equal([
      `${base}/v${version}/mlx-mac-arm64.node.gz`,
      `${base}/v${version}/mlx-mac-arm64.metallib.gz`,
    ]);
    const binary = await ensureMlx(plan, mac().homeDir);
    if (binary.backend !== "metal") throw new Error(binary.backend);
    expect(binary.binaryPath).to.equal(path.join(mac().homeDir, "mlx", version, "mlx.node"));
    expect(await readFile(binary.binaryPath)).to.deep.equal(nodeBytes);
    expect(await readFile(path.join(binary.dir, "mlx.metallib"))).to.deep.equal(metallibBytes);
    expect(host?.requests.map((r) => r.path)).to.have.length(2);
    await ensureMlx(plan, mac().homeDir);
    expect(host?.requests, "a verified install is not fetched again").to.have.length(2);
    const check = await checkMlxBackend(mac(), true);
    expect(check.status).to.equal("ok");
    expect(check.detail).to.match(/^Metal \(darwin-arm64\) — Apple Silicon: .*SHA-256 verified/);
  });

  it("refuses an archive whose SHA-256 is not the pinned one and installs nothing", async () => {
    const wrong = structuredClone(pins) as Record<string, Record<string, Record<string, string>>>;
    const entry = wrong[version]?.["darwin-arm64"];
    if (entry) entry["mlx-mac-arm64.metallib.gz"] = "ab".repeat(32);
    const plan = planFor(mac({ pins: wrong }));
    let error: unknown;
    await ensureMlx(plan, mac().homeDir).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(MlxSetupError);
    expect(String(error)).to.match(/metallib\.gz .* not the pinned abab.*; nothing was installed/);
    expect(installedMlx(plan, mac().homeDir)).to.equal(undefined);
  });

  it("offline: one sentence naming the URL and the fix; doctor reports it as a failed check", async () => {
    await host?.close();
    const offline = mac();
    let error: unknown;
    await ensureMlx(planFor(offline), offline.homeDir).catch((e: unknown) => (error = e));
    expect(String(error)).to.match(
      /cannot download the Metal build of MLX from http:\/\/127\.0\.0\.1:\d+\/v.*connect this Mac to the internet once/,
    );
    const check = await checkMlxBackend(offline, false);
    expect(check).to.include({ status: "fail" });
    expect(check.fix).to.contain("DARKBLOOM_MLX_BASE_URL");
    expect((await checkMlxBackend(offline, true)).detail).to.match(/is not installed yet/);
    host = undefined;
  });

  it("refuses to download without pins (the checked-in table is filled by the release)", async () => {
    const plan = mlxPlan({ platform: "darwin", arch: "arm64", version, baseUrl: base, pins: {} });
    let error: unknown;
    await ensureMlx(plan, mac().homeDir).catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/no pinned SHA-256 for mlx-mac-arm64\.node\.gz/);
    expect(host?.requests).to.deep.equal([]);
    expect(Object.keys(checkedInPins()[version]?.["darwin-arm64"] ?? {})).to.deep.equal([
      "mlx-mac-arm64.node.gz",
      "mlx-mac-arm64.metallib.gz",
    ]);
  });

  it("an Intel Mac or another platform gets a clear refusal", () => {
    const intel = mlxPlan({ platform: "darwin", arch: "x64", version, baseUrl: base });
    expect(intel).to.include({ backend: "unsupported" });
    expect(intel.reason).to.match(/Intel Mac/);
    expect(mlxPlan({ platform: "win32", arch: "x64", version, baseUrl: base }).reason).to.match(
      /no MLX build for win32-x64/,
    );
  });
});
