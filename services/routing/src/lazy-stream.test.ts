import { expect } from "chai";
import { lazyStream } from "./lazy-stream.js";

describe("lazyStream", () => {
  it("starts the source at the first next and passes its items and its end through", async () => {
    let started = 0;
    const stream = lazyStream(async function* () {
      started++;
      yield await Promise.resolve(1);
      yield 2;
    });
    expect(started).to.equal(0);
    const seen: number[] = [];
    for await (const n of stream) seen.push(n);
    expect({ started, seen }).to.deep.equal({ started: 1, seen: [1, 2] });
  });

  it("rejects the first next with what start threw, then is done", async () => {
    const it = lazyStream<number>(() => {
      throw new Error("no reservation");
    })[Symbol.asyncIterator]();
    let caught: unknown;
    await it.next().catch((err: unknown) => (caught = err));
    expect(caught).to.be.instanceOf(Error).with.property("message", "no reservation");
    expect(await it.next()).to.deep.equal({ done: true, value: undefined });
  });

  it("runs the source's cleanup when the consumer leaves early, and never starts it if it left first", async () => {
    let cleaned = false;
    let started = false;
    const make = () =>
      lazyStream(async function* () {
        started = true;
        try {
          yield await Promise.resolve(1);
          yield 2;
        } finally {
          cleaned = true;
        }
      });
    for await (const n of make()) if (n === 1) break;
    expect(cleaned).to.equal(true);
    started = false;
    await make()[Symbol.asyncIterator]().return?.();
    expect(started).to.equal(false);
  });
});
