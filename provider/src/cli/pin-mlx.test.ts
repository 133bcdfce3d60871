import { FakeFileHost } from "@darkbloom/testing";
import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { ensureMlx } from "../engine/mlx-backend/mlx-install.js";
import { checkedInPins, mlxPlan } from "../engine/mlx-backend/mlx-plan.js";
import { packagedMlxVersion } from "../engine/mlx-backend/prepare-mlx.js";
import { checkMlxBackend, checkMlxPins } from "./doctor-mlx.js";
import { computeMlxPins } from "./pin-mlx.js";

describe("MLX pins: doctor says when they are missing, and the release step fills them", function () {
  this.timeout(20_000);
  const version = packagedMlxVersion();
  let work = "";
  let host: FakeFileHost | undefined;
  const node = gzipSync(randomBytes(4096));
  const metallib = gzipSync(randomBytes(2048));
  const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), "darkbloom-pins-"));
    const files = path.join(work, "release");
    await mkdir(files);
    await writeFile(path.join(files, "mlx-mac-arm64.node.gz"), node);
    await writeFile(path.join(files, "mlx-mac-arm64.metallib.gz"), metallib);
    host = new FakeFileHost({ dir: path.join(work, "release") });
  });
  afterEach(async () => {
    await host?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("doctor warns on every platform while the checked-in table is empty, naming the archives", () => {
    const empty = checkMlxPins({ [version]: { "darwin-arm64": {} } }, version);
    expect(empty.status).to.equal("warn");
    expect(empty.detail).to.equal(
      `MLX ${version} darwin-arm64: no SHA-256 pinned for mlx-mac-arm64.node.gz, mlx-mac-arm64.metallib.gz; Macs cannot install this build`,
    );
    expect(empty.fix).to.contain("npm run pin-mlx -- --write");
    // The repository ships the table empty (no internet to compute it here): doctor says so.
    expect(checkMlxPins().status).to.equal(
      Object.values(checkedInPins()[version]?.["darwin-arm64"] ?? {}).every((h) => h !== "")
        ? "ok"
        : "warn",
    );
  });

  it("on a Mac, an unpinned build fails the mlx backend check with the reason, not an offline hint", async () => {
    const check = await checkMlxBackend(
      {
        platform: "darwin",
        arch: "arm64",
        homeDir: path.join(work, "home"),
        baseUrl: await (host as FakeFileHost).start(),
        pins: {},
      },
      false,
    );
    expect(check.status).to.equal("fail");
    expect(check.detail).to.match(/^this build has no pinned SHA-256 for MLX .* darwin-arm64/);
    expect(check.fix).to.contain("install a released version");
    expect(host?.requests, "nothing is downloaded").to.deep.equal([]);
  });

  it("computeMlxPins pins each archive's SHA-256 and a Mac then installs with those pins", async () => {
    const base = await (host as FakeFileHost).start();
    const pins = await computeMlxPins({ version, baseUrl: base, current: {} });
    expect(pins[version]?.["darwin-arm64"]).to.deep.equal({
      "mlx-mac-arm64.node.gz": sha(node),
      "mlx-mac-arm64.metallib.gz": sha(metallib),
    });
    expect(checkMlxPins(pins, version).status).to.equal("ok");
    const plan = mlxPlan({ platform: "darwin", arch: "arm64", version, baseUrl: base, pins });
    const binary = await ensureMlx(plan, path.join(work, "home"));
    expect(binary.backend).to.equal("metal");
  });

  it("a missing archive pins nothing", async () => {
    const base = await (host as FakeFileHost).start();
    await rm(path.join(work, "release", "mlx-mac-arm64.metallib.gz"));
    const err = await computeMlxPins({ version, baseUrl: base, current: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(err)).to.match(/metallib\.gz: HTTP 404; nothing was pinned/);
  });
});
