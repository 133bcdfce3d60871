import { expect } from "chai";
import { awaitWithKeepAlive, withKeepAlive } from "./keep-alive.js";

describe("withKeepAlive", () => {
  it("pings while the source is silent and passes every item through in order", async () => {
    let pings = 0;
    let wake: () => void = () => undefined;
    const pinged = new Promise<void>((resolve) => (wake = resolve));
    async function* slow(): AsyncGenerator<number> {
      yield 1;
      await pinged; // silent until the keep-alive has fired twice
      yield 2;
    }
    const items: number[] = [];
    for await (const n of withKeepAlive(slow(), 5, () => {
      if (++pings === 2) wake();
      return Promise.resolve();
    }))
      items.push(n);
    expect(items).to.deep.equal([1, 2]);
    expect(pings).to.be.at.least(2);
  });

  it("closes the source when the consumer stops early", async () => {
    let closed = false;
    async function* source(): AsyncGenerator<number> {
      await Promise.resolve();
      try {
        yield 1;
        yield 2;
      } finally {
        closed = true;
      }
    }
    for await (const n of withKeepAlive(source(), 1000, () => Promise.resolve())) {
      expect(n).to.equal(1);
      break;
    }
    expect(closed).to.equal(true);
  });

  it("passes a source failure on", async () => {
    async function* failing(): AsyncGenerator<number> {
      yield await Promise.resolve(1);
      throw new Error("provider lost");
    }
    const seen: number[] = [];
    const err = await (async () => {
      for await (const n of withKeepAlive(failing(), 1000, () => Promise.resolve())) seen.push(n);
    })().catch((e: unknown) => e);
    expect(seen).to.deep.equal([1]);
    expect(err).to.be.instanceOf(Error).with.property("message", "provider lost");
  });
});

describe("withKeepAlive, pings that race the source", () => {
  it("a failed ping ends the stream with its error and closes the source", async () => {
    let closed = false;
    async function* silent(): AsyncGenerator<number> {
      try {
        yield 1;
        await new Promise<void>((resolve) => setTimeout(resolve, 40)); // silent past the ping
        yield 2;
      } finally {
        closed = true;
      }
    }
    const seen: number[] = [];
    const err = await (async () => {
      for await (const n of withKeepAlive(silent(), 5, () =>
        Promise.reject(new Error("socket gone")),
      ))
        seen.push(n);
    })().catch((e: unknown) => e);
    expect(seen).to.deep.equal([1]);
    expect(err).to.be.instanceOf(Error).with.property("message", "socket gone");
    expect(closed).to.equal(true);
  });

  it("an item that arrives while a ping is written is passed on after the ping", async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    let arrive: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    async function* source(): AsyncGenerator<string> {
      await arrived;
      yield "item";
    }
    let pings = 0;
    const stream = withKeepAlive(source(), 5, () => {
      if (++pings > 1) return Promise.resolve();
      order.push("ping start");
      arrive(); // the item lands while this ping is still being written
      return new Promise<void>((resolve) => {
        release = () => {
          order.push("ping end");
          resolve();
        };
        setTimeout(() => release(), 20);
      });
    });
    for await (const item of stream) order.push(item);
    expect(order).to.deep.equal(["ping start", "ping end", "item"]);
  });
});

describe("awaitWithKeepAlive", () => {
  const later = <T>(ms: number, value: T): Promise<T> =>
    new Promise((resolve) => setTimeout(() => resolve(value), ms));

  it("pings while the promise is pending and returns its value", async () => {
    let pings = 0;
    const value = await awaitWithKeepAlive(later(60, "reserved"), 5, () => {
      pings++;
      return Promise.resolve();
    });
    expect(value).to.equal("reserved");
    expect(pings).to.be.at.least(2);
  });

  it("never pings for a promise that settles first, and passes its rejection on", async () => {
    let pings = 0;
    const ping = (): Promise<void> => {
      pings++;
      return Promise.resolve();
    };
    expect(await awaitWithKeepAlive(Promise.resolve(7), 1000, ping)).to.equal(7);
    const err = await awaitWithKeepAlive(Promise.reject(new Error("429")), 1000, ping).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(Error).with.property("message", "429");
    expect(pings).to.equal(0);
  });
});

describe("withKeepAlive with a busy source", () => {
  it("passes many quickly arriving items through without pinging and leaves no timer behind", async () => {
    let pings = 0;
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; i < 1000; i++) yield await Promise.resolve(i);
    }
    const seen: number[] = [];
    for await (const n of withKeepAlive(source(), 60_000, () => {
      pings++;
      return Promise.resolve();
    }))
      seen.push(n);
    expect(seen).to.have.length(1000);
    expect(pings).to.equal(0);
  });

  it("measures each wait from its own start: items closer than the interval never ping", async () => {
    // The stream outlives several intervals, each item arriving a fraction of one after the
    // last: a timer counting from anything but the current wait's start would ping.
    let pings = 0;
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; i < 30; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        yield i;
      }
    }
    const seen: number[] = [];
    for await (const n of withKeepAlive(source(), 80, () => {
      pings++;
      return Promise.resolve();
    }))
      seen.push(n);
    expect(seen).to.have.length(30);
    expect(pings).to.equal(0);
  });
});
