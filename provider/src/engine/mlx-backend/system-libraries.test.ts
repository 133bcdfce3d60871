import { expect } from "chai";
import { fileURLToPath } from "node:url";
import {
  ensureSystemLibraries,
  missingLibrary,
  probeMlx,
  type ProbeResult,
} from "./system-libraries.js";

const ROOT = fileURLToPath(new URL("../../../..", import.meta.url));
const MISSING: ProbeResult = { ok: false, missing: "liblapack.so.3", detail: "dlopen failed" };

describe("system libraries for MLX", () => {
  it("names the library a dlopen error misses", () => {
    expect(
      missingLibrary(
        "Error: liblapack.so.3: cannot open shared object file: No such file or directory",
      ),
    ).to.equal("liblapack.so.3");
    expect(missingLibrary("Error: /x/y/libopenblas.so.0: cannot open shared object file")).to.equal(
      "libopenblas.so.0",
    );
    expect(missingLibrary("Error: invalid ELF header")).to.equal(undefined);
  });

  it("finds a missing library through a real child process (simulated by dlopen of a missing file)", () => {
    const probe = probeMlx(ROOT, "process.dlopen({ exports: {} }, '/nonexistent/liblapack.so.3')");
    expect(probe).to.include({ ok: false, missing: "liblapack.so.3" });
    expect(probeMlx(ROOT, "require('@frost-beta/mlx')")).to.deep.equal({ ok: true });
  });

  it("stops with one sentence naming the packages when it may not install", () => {
    let installs = 0;
    const result = ensureSystemLibraries({
      probe: () => MISSING,
      canInstall: false,
      install: () => ++installs > 0,
      log: () => undefined,
    });
    expect(installs).to.equal(0);
    expect(result.ok).to.equal(false);
    if (result.ok) return;
    expect(result.message).to.match(/^MLX cannot load because the system library liblapack.so.3/);
    expect(result.message).to.include("sudo apt-get install -y liblapack3 libopenblas0-pthread");
    expect(result.message.split("\n")).to.have.length(1);
  });

  it("installs the packages when it may, and passes once MLX loads", () => {
    const probes: ProbeResult[] = [MISSING, { ok: true }];
    const lines: string[] = [];
    let installs = 0;
    const result = ensureSystemLibraries({
      probe: () => probes.shift() ?? MISSING,
      canInstall: true,
      install: () => ++installs === 1,
      log: (line) => lines.push(line),
    });
    expect(result).to.deep.equal({ ok: true });
    expect(installs).to.equal(1);
    expect(lines[0]).to.include("liblapack3 libopenblas0-pthread");
  });

  it("still names the packages when installing failed or did not help", () => {
    for (const install of [() => false, () => true]) {
      const result = ensureSystemLibraries({
        probe: () => MISSING,
        canInstall: true,
        install,
        log: () => undefined,
      });
      expect(result.ok).to.equal(false);
    }
  });

  it("lets a failure that is not a missing library pass to whoever loads MLX", () => {
    const result = ensureSystemLibraries({
      probe: () => ({ ok: false, missing: undefined, detail: "no binary for this platform" }),
      canInstall: true,
      install: () => expect.fail("nothing to install"),
      log: () => undefined,
    });
    expect(result).to.deep.equal({ ok: true });
  });
});
