import { expect } from "chai";
import { WorkQueue } from "./work-queue.js";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("WorkQueue", () => {
  it("runs one reconcile at a time per key; a key added while it runs runs once more after", async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release: () => void = () => {};
    const q = new WorkQueue(
      async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((r) => (release = r));
        running--;
      },
      { baseDelayMs: 10, maxDelayMs: 100, concurrency: 4 },
    );
    q.add("ns/a");
    await tick();
    q.add("ns/a");
    q.add("ns/a");
    release();
    await tick();
    release();
    await q.idle();
    expect(maxRunning).to.equal(1);
    expect(runs).to.equal(2);
    await q.close();
  });

  it("retries a failing key with exponential backoff per key, and a success resets it", async () => {
    const delays: number[] = [];
    let failuresLeft = 3;
    const q = new WorkQueue(
      () => {
        if (failuresLeft-- > 0) return Promise.reject(new Error("boom"));
        return Promise.resolve();
      },
      { baseDelayMs: 5, maxDelayMs: 15, concurrency: 1, onError: (_k, _e, d) => delays.push(d) },
    );
    q.add("ns/a");
    for (let i = 0; i < 100 && failuresLeft >= 0; i++) await tick();
    await q.idle();
    expect(delays).to.deep.equal([5, 10, 15]);
    expect(q.retries("ns/a")).to.equal(0);
    await q.close();
  });

  it("a reconcile that returns requeueAfterMs runs again after that delay; of two delayed adds the sooner wins", async () => {
    const runs: string[] = [];
    const q = new WorkQueue(
      (key) => {
        runs.push(key);
        return Promise.resolve(runs.length === 1 ? { requeueAfterMs: 20 } : {});
      },
      { baseDelayMs: 5, maxDelayMs: 15, concurrency: 1 },
    );
    // A far delayed add (say a backoff) must not hold back the sooner requeue.
    q.addAfter("ns/a", 60_000);
    q.add("ns/a");
    for (let i = 0; i < 400 && runs.length < 2; i++) await tick();
    expect(runs).to.deep.equal(["ns/a", "ns/a"]);
    await q.close();
  });
});
