import { expect } from "chai";
import { exitOutcome } from "../testbed/child-process.js";
import { descendants, isRunning } from "../testbed/process-audit.js";
import { startCoordinator, type RunningCoordinator } from "../testbed/testbed.js";

describe("a coordinator whose stdout and stderr readers go away", function () {
  this.timeout(120_000);
  let coordinator: RunningCoordinator | undefined;
  afterEach(async () => {
    await coordinator?.stop();
    coordinator = undefined;
  });

  it("keeps serving, then stops on SIGTERM with its embedded Postgres", async () => {
    // info: every request writes a log line, so each one below writes to the closed pipe
    const c = (coordinator = await startCoordinator({ LOG_LEVEL: "info" }));
    const child = c.process.child;
    const postgres = (await descendants(child.pid)).filter((p) => p.command === "postgres");
    expect(postgres, "its embedded Postgres").to.not.be.empty;
    // The reading ends close, as when a `| head` exits, a log collector restarts or the parent dies.
    child.stdout?.destroy();
    child.stderr?.destroy();
    for (const key of [c.apiKey, "db-not-a-key", c.apiKey]) {
      const res = await fetch(`${c.url}/v1/models`, {
        headers: { authorization: `Bearer ${key}` },
        signal: AbortSignal.timeout(10_000),
      });
      expect(res.status).to.equal(key === c.apiKey ? 200 : 401);
    }
    child.kill("SIGTERM");
    expect(await exitOutcome(child), "exit code after SIGTERM").to.equal(0);
    for (const p of postgres)
      expect(await isRunning(p.pid), `postgres ${p.pid} still running`).to.equal(false);
  });
});
