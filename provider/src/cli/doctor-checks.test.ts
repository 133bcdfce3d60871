import { expect } from "chai";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GIB } from "../daemon/memory-gate.js";
import { checkMemory, checkSystemLibraries } from "./doctor-checks.js";

describe("doctor checks", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "darkbloom-libs-"));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const lib = async (link: string, target: string): Promise<void> => {
    await mkdir(path.dirname(path.join(dir, target)), { recursive: true });
    await writeFile(path.join(dir, target), "");
    await symlink(path.join(dir, target), path.join(dir, link));
  };

  it("passes OpenBLAS behind libblas.so.3", async () => {
    await lib("libblas.so.3", "openblas-pthread/libblas.so.3");
    await lib("liblapack.so.3", "openblas-pthread/liblapack.so.3");
    const r = await checkSystemLibraries("linux", [dir]);
    expect(r.map((c) => c.status)).to.deep.equal(["ok", "ok"]);
  });

  it("warns about reference BLAS with the command that switches to OpenBLAS", async () => {
    await lib("libblas.so.3", "blas/libblas.so.3");
    await lib("liblapack.so.3", "lapack/liblapack.so.3");
    const blas = (await checkSystemLibraries("linux", [dir]))[1];
    expect(blas?.status).to.equal("warn");
    expect(blas?.detail).to.match(/reference BLAS/);
    expect(blas?.fix).to.match(/libopenblas0-pthread.*update-alternatives/);
  });

  it("fails when LAPACK is missing, with the apt-get fix", async () => {
    const [lapack] = await checkSystemLibraries("linux", [dir]);
    expect(lapack?.status).to.equal("fail");
    expect(lapack?.fix).to.equal("sudo apt-get install liblapack3 libopenblas0-pthread");
  });

  it("fails a machine too small for the activation and KV reserve", () => {
    expect(checkMemory(5 * GIB, 0).status).to.equal("fail");
    expect(checkMemory(16 * GIB, 0).status).to.equal("ok");
  });
});
