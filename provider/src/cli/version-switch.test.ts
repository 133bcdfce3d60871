import { expect } from "chai";
import { chmod, mkdir, mkdtemp, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { currentVersion, probeVersion, switchVersion } from "./version-switch.js";

describe("version switch", () => {
  let versions = "";
  beforeEach(async () => {
    versions = await mkdtemp(path.join(tmpdir(), "darkbloom-versions-"));
  });
  afterEach(async () => {
    await rm(versions, { recursive: true, force: true });
  });

  /** A version folder whose bin/darkbloom answers `version --json` as a release would. */
  const version = async (name: string, script: string): Promise<void> => {
    const bin = path.join(versions, name, "bin");
    await mkdir(bin, { recursive: true });
    await writeFile(path.join(bin, "darkbloom"), `#!/bin/sh\n${script}\n`);
    await chmod(path.join(bin, "darkbloom"), 0o755);
  };
  const probe = (v: string) => () => probeVersion(versions, v);

  it("switches current to a version that passes its health check", async () => {
    await version("1.0.0", `echo '{"version":"1.0.0"}'`);
    await version("1.1.0", `echo '{"version":"1.1.0"}'`);
    expect(await switchVersion(versions, "1.0.0", probe("1.0.0"))).to.deep.equal({
      ok: true,
      previous: undefined,
    });
    expect(await switchVersion(versions, "1.1.0", probe("1.1.0"))).to.deep.equal({
      ok: true,
      previous: "1.0.0",
    });
    expect(await readlink(path.join(versions, "current"))).to.equal("1.1.0");
  });

  it("rolls back to the previous version when the new one fails to run", async () => {
    await version("1.0.0", `echo '{"version":"1.0.0"}'`);
    await version("1.1.0", `echo "dyld: Library not loaded" >&2; exit 1`);
    await switchVersion(versions, "1.0.0", probe("1.0.0"));
    const r = await switchVersion(versions, "1.1.0", probe("1.1.0"));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.reason).to.match(/version exited 1: dyld: Library not loaded/);
    expect(await currentVersion(versions)).to.equal("1.0.0");
  });

  it("rolls back when the new version reports another version", async () => {
    await version("1.0.0", `echo '{"version":"1.0.0"}'`);
    await version("1.1.0", `echo '{"version":"1.0.0"}'`);
    await switchVersion(versions, "1.0.0", probe("1.0.0"));
    const r = await switchVersion(versions, "1.1.0", probe("1.1.0"));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.reason).to.match(/reports version 1\.0\.0, not 1\.1\.0/);
    expect(await currentVersion(versions)).to.equal("1.0.0");
  });

  it("removes current when a first install fails its health check", async () => {
    await mkdir(path.join(versions, "1.0.0"));
    const r = await switchVersion(versions, "1.0.0", probe("1.0.0"));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.reason).to.match(/cannot run/);
    expect(await currentVersion(versions)).to.equal(undefined);
  });
});
