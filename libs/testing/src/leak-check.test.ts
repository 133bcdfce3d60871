import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "chai";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const mochaBin = fileURLToPath(new URL("node_modules/mocha/bin/mocha.js", `file://${repoRoot}`));
const leakCheck = fileURLToPath(new URL("./leak-check.ts", import.meta.url));

interface MochaRun {
  code: number | null;
  output: string;
}

/** Runs one fixture in its own mocha process with only the leak-check root hook. */
function runFixture(name: string): Promise<MochaRun> {
  const fixture = fileURLToPath(new URL(`./fixtures/${name}.fixture.ts`, import.meta.url));
  const args = [mochaBin, "--no-config", "--node-option", "import=tsx", "--require", leakCheck];
  const child = spawn(process.execPath, [...args, "--reporter", "spec", fixture], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

describe("leak-check root hook", function () {
  this.timeout(30_000);
  // Each child run waits out the 2 s grace period; start all of them at once.
  const runs = new Map<string, Promise<MochaRun>>();
  before(() => {
    for (const name of ["leaky-timer", "leaky-server", "clean"]) runs.set(name, runFixture(name));
  });
  const run = (name: string) => runs.get(name) ?? Promise.reject(new Error(`no run ${name}`));

  it("fails the run and names the kind when a spec leaks a timer", async () => {
    const result = await run("leaky-timer");
    expect(result.code, result.output).to.not.equal(0);
    expect(result.output).to.match(/leakCheck/);
    expect(result.output).to.match(/Timeout x1/);
  });

  it("fails the run and shows the address when a spec leaks a listening server", async () => {
    const result = await run("leaky-server");
    expect(result.code, result.output).to.not.equal(0);
    expect(result.output).to.match(/TCPServerWrap x1/);
    expect(result.output).to.match(/listening on .*127\.0\.0\.1/);
  });

  it("passes when a spec closes what it opened, even a moment late", async () => {
    const result = await run("clean");
    expect(result.code, result.output).to.equal(0);
    expect(result.output).to.not.match(/leak check/);
  });
});
