import { expect } from "chai";
import { AsyncQueue } from "./async-queue.js";

describe("AsyncQueue", () => {
  it("delivers items pushed before and after the consumer waits, then ends", async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    const seen: number[] = [];
    const done = (async () => {
      for await (const n of q) seen.push(n);
    })();
    await new Promise((r) => setImmediate(r));
    q.push(2);
    q.end();
    await done;
    expect(seen).to.deep.equal([1, 2]);
  });

  it("rejects the consumer after delivering what was queued before a failure", async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.fail(new Error("gone"));
    const seen: number[] = [];
    let caught: unknown;
    try {
      for await (const n of q) seen.push(n);
    } catch (err) {
      caught = err;
    }
    expect(seen).to.deep.equal([1]);
    expect(caught).to.be.instanceOf(Error);
  });
});
