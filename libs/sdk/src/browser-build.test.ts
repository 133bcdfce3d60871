import { expect } from "chai";
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

// The console runs sealed mode in the browser with this very package: bundled for the browser
// platform, nothing may import a Node built-in (the native X25519 is reached at run time only,
// through process.getBuiltinModule, and falls back to @noble/curves).
describe("@darkbloom/sdk in a browser bundle", () => {
  it("bundles for the browser with no node: import anywhere in its graph", async function () {
    this.timeout(60_000);
    const result = await build({
      entryPoints: [fileURLToPath(new URL("./index.ts", import.meta.url))],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    expect(result.errors).to.deep.equal([]);
    const imports = Object.values(result.metafile.inputs).flatMap((i) =>
      i.imports.map((x) => x.path),
    );
    expect(imports.filter((p) => p.startsWith("node:") || p === "crypto")).to.deep.equal([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes("libs/crypto/src/x25519.ts"))).to.equal(true);
  });
});
