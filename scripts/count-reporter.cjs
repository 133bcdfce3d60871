// Mocha reporter for scripts/test.mjs: the usual spec output, plus the run's counts written as JSON
// to the file named by `--reporter-option countFile=<path>` once the run ends, with the failed tests’
// titles and first error lines so the summary at the end of `npm test` can name them.
"use strict";
const fs = require("node:fs");
const Mocha = require("mocha");

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END, EVENT_TEST_FAIL } = Mocha.Runner.constants;

/**
 * The error's first line, and when the message goes on (a child process's output quoted in it),
 * its last lines too: that is where a crashed child says why, and CI keeps only the log's tail.
 */
function summarize(message) {
  const lines = message.split("\n").filter((line) => line.trim() !== "");
  const head = lines[0] ?? "";
  const tail = lines.slice(1).slice(-6);
  return [head, ...tail.map((line) => `    | ${line.slice(0, 300)}`)].join("\n");
}

class CountReporter extends Spec {
  constructor(runner, options = {}) {
    super(runner, options);
    const reporterOptions = options.reporterOption ?? options.reporterOptions ?? {};
    const countFile = reporterOptions.countFile;
    if (typeof countFile !== "string" || countFile === "") return;
    const failed = [];
    runner.on(EVENT_TEST_FAIL, (test, err) => {
      failed.push(`${test.fullTitle()}: ${summarize(String(err?.message ?? err))}`);
    });
    runner.once(EVENT_RUN_END, () => {
      const stats = runner.stats ?? this.stats ?? {};
      const counts = {
        passes: stats.passes ?? 0,
        failures: stats.failures ?? 0,
        pending: stats.pending ?? 0,
        tests: stats.tests ?? 0,
        failed,
      };
      fs.writeFileSync(countFile, `${JSON.stringify(counts)}\n`);
    });
  }
}

module.exports = CountReporter;
