import { spawn } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import { REPO_ROOT, spawnTs } from "../testbed/child-process.js";
import { descendants, isRunning, processLeakCheck } from "../testbed/process-audit.js";
import { waitUntil } from "../testbed/wait-until.js";
import { diffToMarkdown, profileToMarkdown } from "../testbed/timing/markdown.js";
import { percentile } from "../testbed/timing/percentiles.js";
import { parseTimingHeader } from "../testbed/timing/server-timing.js";
import { EventBus, type RequestRecord } from "../testbed/timing/event-bus.js";
import { SegmentCollector } from "../testbed/timing/segment-collector.js";

describe("testbed instrumentation: parseTimingHeader", () => {
  it("reads name;dur=ms entries in order, ignoring other parameters", () => {
    expect(parseTimingHeader('auth;dur=1.25, queue;dur=0, dispatch;desc="x";dur=3')).to.deep.equal([
      { name: "auth", durMs: 1.25 },
      { name: "queue", durMs: 0 },
      { name: "dispatch", durMs: 3 },
    ]);
  });

  it("tolerates an absent header and skips malformed entries", () => {
    expect(parseTimingHeader(null)).to.deep.equal([]);
    expect(parseTimingHeader("")).to.deep.equal([]);
    expect(
      parseTimingHeader('auth, ;dur=2, bad name;dur=1, settle;dur=x, ok;dur="4.5"'),
    ).to.deep.equal([{ name: "ok", durMs: 4.5 }]);
  });
});

describe("testbed instrumentation: event bus, segment collector and exports", () => {
  const record = (over: Partial<RequestRecord>): RequestRecord => ({
    requestId: "r",
    startedAtMs: 0,
    stream: true,
    maxTokens: 8,
    promptChars: 3,
    status: 200,
    chunkMs: [],
    text: "",
    server: [],
    ...over,
  });

  it("fans each event out to every collector and summarises server and client segments", () => {
    const bus = new EventBus();
    const a = new SegmentCollector();
    const b = new SegmentCollector();
    bus.subscribe(a.collect);
    const unsubscribe = bus.subscribe(b.collect);
    bus.emit({
      type: "finished",
      record: record({
        headersMs: 5,
        firstTokenMs: 10,
        chunkMs: [10, 14, 20],
        completeMs: 25,
        server: [{ name: "auth", durMs: 2 }],
      }),
    });
    unsubscribe();
    bus.emit({ type: "finished", record: record({ error: "cancelled", completeMs: 3 }) });
    const p = a.profile("x");
    expect(p.requests).to.equal(2);
    expect(p.errors).to.equal(1);
    expect(p.segments["server.auth"]).to.deep.include({ count: 1, p50: 2 });
    expect(p.segments["client.chunk_gap"]).to.deep.include({ count: 2, p50: 4, max: 6 });
    expect(p.segments["client.complete"]).to.deep.include({ count: 2, p99: 25 });
    expect(b.profile("y").requests).to.equal(1);
    expect(profileToMarkdown(p)).to.match(/\| server\.auth \| 1 \| 2\.0 \|/);
  });

  it("computes nearest-rank percentiles and diffs two profiles per segment", () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([50, 95, 99, 100].map((q) => percentile(samples, q))).to.deep.equal([50, 95, 99, 100]);
    const seg = (p50: number) => ({ count: 1, p50, p95: p50, p99: p50, max: p50 });
    const table = diffToMarkdown(
      { label: "before", requests: 1, errors: 0, segments: { "server.queue": seg(10) } },
      { label: "after", requests: 1, errors: 0, segments: { "server.queue": seg(7.5) } },
    );
    expect(table).to.contain("| server.queue | 10.0 | 7.5 | -2.5 | -2.5 | -2.5 |");
  });
});

describe("testbed teardown: processLeakCheck", function () {
  this.timeout(20_000);

  it("names a child process left running, and passes once it is gone", async () => {
    const leaks = processLeakCheck(300);
    await leaks.snapshot();
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    const exited = new Promise((r) => child.once("exit", r));
    try {
      const err = await leaks.assertNoneLeft().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(String(err)).to.match(new RegExp(`leaked processes: ${child.pid} sleep`));
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    await leaks.assertNoneLeft();
  });
});

describe("testbed teardown: a run that crashes", function () {
  this.timeout(120_000);

  it("stops the coordinators it started, and their embedded Postgres", async () => {
    const run = spawnTs(
      path.join(REPO_ROOT, "e2e/testbed/fixtures/crash-with-coordinator.ts"),
      [],
      {},
    );
    try {
      const [, pid] = (await run.waitFor(/coordinator pid (\d+)/, 90_000)) as unknown as [
        string,
        string,
      ];
      const postgres = (await descendants(Number(pid))).filter((p) => p.command === "postgres");
      expect(postgres, "the coordinator's embedded Postgres").to.not.be.empty;
      await waitUntil("the run to crash", () => Promise.resolve(run.child.exitCode !== null));
      expect(run.output()).to.include("the run crashed");
      const pids = [Number(pid), ...postgres.map((p) => p.pid)];
      await waitUntil("the coordinator and its Postgres to stop", async () =>
        (await Promise.all(pids.map(isRunning))).every((r) => !r),
      );
    } finally {
      await run.kill();
    }
  });
});
