import { expect } from "chai";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const REGISTER = fileURLToPath(new URL("./register.mjs", import.meta.url));
const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Runs a fixture as the coordinator runs: `node --import register.mjs file.ts`. */
function run(
  file: string,
  loader = REGISTER,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", loader, file], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, out, err }));
  });
}

describe("ts-loader (the coordinator's TypeScript loader)", function () {
  this.timeout(30_000);

  it("runs TypeScript that imports siblings by their .js name, type-only names, plain .js and workspace packages", async () => {
    const { code, out, err } = await run(fixture("main.ts"));
    expect(err).to.equal("");
    expect(code).to.equal(0);
    expect(out).to.equal("hello loader plain-js function\n");
  });

  it("keeps function and class names without wrapping each closure in __name (tsx does)", async () => {
    const ours = await run(fixture("names.ts"));
    const seen = JSON.parse(ours.out) as { closure: string; klass: string; source: string };
    expect(seen.closure).to.equal("onRequest");
    expect(seen.klass).to.equal("RequestContext");
    expect(seen.source).to.not.include("__name");
    const tsx = JSON.parse((await run(fixture("names.ts"), "tsx")).out) as { source: string };
    expect(tsx.source, "the cost this loader exists to avoid").to.include("__name");
  });

  // The transform drops comments, so without the source map the line would be off.
  it("reports errors at their line in the .ts source", async () => {
    const { code, err } = await run(fixture("names.ts"));
    expect(code).to.equal(1);
    expect(err).to.include("thrown on line 16");
    expect(err).to.match(/fixtures\/names\.ts:16:\d+/);
  });

  it("fails a missing import with ERR_MODULE_NOT_FOUND naming what was imported", async () => {
    const { code, err } = await run(fixture("missing-import.ts"));
    expect(code).to.equal(1);
    expect(err).to.include("ERR_MODULE_NOT_FOUND");
    expect(err).to.include("not-there.js");
  });
});
