// `npm test`: generates the test model if the provider has a generator, runs each mocha suite in
// its own process (unit, then e2e when e2e/.mocharc.json exists) with its output streamed, and
// ends with exactly one line `N passed, N failed` summed over all suites. Exits non-zero when any
// test failed or a suite crashed (a crashed suite counts as at least one failure).
// Extra arguments are passed to every mocha run: `npm test -- --grep codec`.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const mochaBin = path.join(root, "node_modules", "mocha", "bin", "mocha.js");
const reporter = path.join(root, "scripts", "count-reporter.cjs");
const tsxBin = path.join(root, "node_modules", ".bin", "tsx");
const testModelGenerator = path.join(root, "provider", "test-model", "generate.ts");
const extraArgs = process.argv.slice(2);

/** Suites in run order; a suite whose config file is missing is skipped quietly. */
const suites = [
  { name: "unit", config: ".mocharc.json", wallClockLimitMs: 15 * 60_000 },
  { name: "e2e", config: "e2e/.mocharc.json", wallClockLimitMs: 30 * 60_000 },
];

/** Child process groups still running, so Ctrl-C or a CI timeout reaches their grandchildren. */
const running = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const pid of running) killGroup(pid, signal);
    process.exit(130);
  });
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Runs a command with inherited stdio in its own process group.
 * @returns {Promise<{ code: number | null, signal: string | null, timedOut: boolean }>}
 */
function run(command, args, wallClockLimitMs, cwd = root) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: "inherit", detached: true });
    running.add(child.pid);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\n${path.basename(command)} exceeded ${wallClockLimitMs} ms; killing it`);
      killGroup(child.pid, "SIGKILL");
    }, wallClockLimitMs);
    child.once("error", (err) => {
      console.error(`could not start ${command}: ${err.message}`);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child.pid);
      resolve({ code, signal, timedOut });
    });
  });
}

function readCounts(file) {
  try {
    const counts = JSON.parse(readFileSync(file, "utf8"));
    return {
      passes: Number(counts.passes) || 0,
      failures: Number(counts.failures) || 0,
      failed: Array.isArray(counts.failed) ? counts.failed.map(String) : [],
    };
  } catch {
    return undefined;
  }
}

let passed = 0;
let failed = 0;
const report = [];
/** Names of the failed tests, repeated at the very end so a log's tail shows them. */
const failedTests = [];

if (existsSync(testModelGenerator)) {
  console.log("==> generating the test model");
  const gen = await run(tsxBin, [testModelGenerator], 10 * 60_000);
  if (gen.code !== 0) {
    console.error(`test model generation failed (exit ${gen.code ?? gen.signal})`);
    failed += 1;
    report.push("test model: generation failed (counted as 1 failed)");
  }
}

const workDir = mkdtempSync(path.join(tmpdir(), "darkbloom-test-"));
try {
  for (const suite of suites) {
    if (!existsSync(path.join(root, suite.config))) continue;
    console.log(`==> ${suite.name} tests (mocha --config ${suite.config})`);
    const countFile = path.join(workDir, `${suite.name}.json`);
    const args = [
      mochaBin,
      "--config",
      suite.config,
      "--reporter",
      reporter,
      "--reporter-option",
      `countFile=${countFile}`,
      ...extraArgs,
    ];
    const result = await run(process.execPath, args, suite.wallClockLimitMs);
    const counts = readCounts(countFile);
    const crashed = result.code !== 0 && (counts === undefined || counts.failures === 0);
    const suitePassed = counts?.passes ?? 0;
    const suiteFailed = (counts?.failures ?? 0) + (crashed ? 1 : 0);
    passed += suitePassed;
    failed += suiteFailed;
    const why = result.timedOut
      ? " (killed: time limit)"
      : crashed
        ? ` (crashed: exit ${result.code ?? result.signal}, counted as 1 failed)`
        : "";
    report.push(`${suite.name}: ${suitePassed} passed, ${suiteFailed} failed${why}`);
    for (const title of counts?.failed ?? []) failedTests.push(`${suite.name}: ${title}`);
  }
  // The console's unit tests (Angular's Vitest runner, headless jsdom), counted from its JSON report.
  const consoleDir = path.join(root, "console");
  if (existsSync(path.join(consoleDir, "angular.json"))) {
    console.log("==> console tests (ng test --watch=false, in console/)");
    const reportFile = path.join(workDir, "console.json");
    const ngBin = path.join(consoleDir, "node_modules", "@angular", "cli", "bin", "ng.js");
    let suitePassed = 0;
    let suiteFailed = 0;
    let why = "";
    if (!existsSync(ngBin)) {
      suiteFailed = 1;
      why = " (console/node_modules missing: run `npm ci --prefix console`; counted as 1 failed)";
    } else {
      const result = await run(
        process.execPath,
        [
          ngBin,
          "test",
          "--watch=false",
          "--reporters=json",
          "--reporters=default",
          `--output-file=${reportFile}`,
        ],
        10 * 60_000,
        consoleDir,
      );
      let vitest;
      try {
        vitest = JSON.parse(readFileSync(reportFile, "utf8"));
      } catch {
        vitest = undefined;
      }
      for (const file of vitest?.testResults ?? [])
        for (const test of file.assertionResults ?? [])
          if (test.status === "failed")
            failedTests.push(
              `console: ${test.fullName}: ${String(test.failureMessages?.[0] ?? "").split("\n")[0]}`,
            );
      suitePassed = Number(vitest?.numPassedTests) || 0;
      suiteFailed = Number(vitest?.numFailedTests) || 0;
      if (result.code !== 0 && suiteFailed === 0) {
        suiteFailed = 1;
        why = ` (crashed: exit ${result.code ?? result.signal}, counted as 1 failed)`;
      }
    }
    passed += suitePassed;
    failed += suiteFailed;
    report.push(`console: ${suitePassed} passed, ${suiteFailed} failed${why}`);
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

console.log("");
if (failedTests.length > 0) {
  console.log("failed tests:");
  for (const entry of failedTests) {
    const [first = "", ...rest] = entry.split("\n");
    console.log(`  ${first.slice(0, 400)}`);
    for (const line of rest) console.log(`  ${line}`);
  }
}
for (const line of report) console.log(line);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
