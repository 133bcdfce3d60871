import { expect } from "chai";
import type { FakeProvider } from "@darkbloom/testing";
import { startFakeFleet } from "../testbed/fake-fleet.js";
import { exitOutcome } from "../testbed/child-process.js";
import { descendants, isRunning } from "../testbed/process-audit.js";
import { TEST_MODEL_ID } from "../testbed/test-model.js";
import { startCoordinator, type RunningCoordinator } from "../testbed/testbed.js";

// The coordinator runs as a shell runs a foreground job (leading its own process group), and the
// signal goes to the whole group, as a Ctrl-C or a closing terminal sends it.
describe("a coordinator with embedded Postgres stopped from its terminal", function () {
  this.timeout(120_000);
  let coordinator: RunningCoordinator | undefined;
  let fleet: FakeProvider[] = [];
  afterEach(async () => {
    await Promise.all(fleet.map((p) => p.close()));
    fleet = [];
    await coordinator?.stop();
    coordinator = undefined;
  });

  it("Ctrl-C: a stream in flight finishes and is charged before Postgres stops", async () => {
    const c = (coordinator = await startCoordinator({ LOG_LEVEL: "info" }, { processGroup: true }));
    const postgres = (await descendants(c.process.child.pid)).filter(
      (p) => p.command === "postgres",
    );
    expect(postgres, "its embedded Postgres").to.not.be.empty;
    const pieces = Array.from({ length: 15 }, (_, i) => `t${i} `);
    fleet = await startFakeFleet(c.url, 1, [TEST_MODEL_ID], () => ({ pieces, pieceDelayMs: 100 }));
    const res = await fetch(`${c.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${c.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: TEST_MODEL_ID,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 15,
        stream: true,
      }),
    });
    expect(res.status).to.equal(200);
    if (!res.body) throw new Error("no body");
    const decoder = new TextDecoder();
    let text = "";
    let signalled = false;
    for await (const bytes of res.body as AsyncIterable<Uint8Array>) {
      text += decoder.decode(bytes, { stream: true });
      if (!signalled && text.includes("t0 ")) {
        signalled = true;
        process.kill(-(c.process.child.pid ?? 0), "SIGINT");
      }
    }
    expect(signalled, "the stream started before the Ctrl-C").to.equal(true);
    expect(
      pieces.every((p) => text.includes(p)),
      "every piece arrived",
    ).to.equal(true);
    expect(text).to.include("data: [DONE]");
    const usage = /"usage":(\{[^}]*\})/.exec(text)?.[1];
    expect(JSON.parse(usage ?? "{}"), "the final usage carries the settled cost").to.have.property(
      "cost",
    );
    expect(await exitOutcome(c.process.child)).to.equal(0);
    expect(c.process.output()).to.not.include("settlement failed");
    for (const p of postgres) expect(await isRunning(p.pid), `postgres ${p.pid}`).to.equal(false);
  });

  it("the terminal closing (SIGHUP): it drains and stops, its Postgres too", async () => {
    const c = (coordinator = await startCoordinator({ LOG_LEVEL: "info" }, { processGroup: true }));
    const postgres = (await descendants(c.process.child.pid)).filter(
      (p) => p.command === "postgres",
    );
    expect(postgres, "its embedded Postgres").to.not.be.empty;
    process.kill(-(c.process.child.pid ?? 0), "SIGHUP");
    expect(await exitOutcome(c.process.child)).to.equal(0);
    expect(c.process.output()).to.include('"signal":"SIGHUP"');
    for (const p of postgres) expect(await isRunning(p.pid), `postgres ${p.pid}`).to.equal(false);
  });
});
