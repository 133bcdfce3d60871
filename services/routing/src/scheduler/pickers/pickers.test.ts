import { expect } from "chai";
import { request, view } from "../../testing/view-fixture.js";
import type { Scored } from "../types.js";
import { leastLoaded } from "./least-loaded.js";
import { lowestTtft } from "./lowest-ttft.js";
import { randomPicker } from "./random.js";
import { roundRobin } from "./round-robin.js";

const s = (
  id: string,
  ms: number,
  over: { reputation?: number; inFlight?: number } = {},
): Scored => ({
  provider: view({ id, ...over }),
  ms,
});
const ids = (list: Scored[]): string[] => list.map((x) => x.provider.id);
const fixed = (v: number) => () => v;

describe("scheduler pickers", () => {
  it("lowest-ttft: the lowest expected time to first token goes first", () => {
    expect(
      ids(lowestTtft.order(request(), [s("slow", 900), s("fast", 100), s("mid", 400)], fixed(0))),
    ).to.deep.equal(["fast", "mid", "slow"]);
  });

  it("lowest-ttft: a near-tie goes to the better reputation", () => {
    const order = lowestTtft.order(
      request(),
      [s("flaky", 100, { reputation: 0.6 }), s("solid", 130, { reputation: 0.99 })],
      fixed(0),
    );
    expect(ids(order)[0]).to.equal("solid");
  });

  it("lowest-ttft: reputation never beats a clearly faster provider", () => {
    const order = lowestTtft.order(
      request(),
      [s("flaky", 100, { reputation: 0.6 }), s("solid", 1000, { reputation: 0.99 })],
      fixed(0),
    );
    expect(ids(order)[0]).to.equal("flaky");
  });

  it("lowest-ttft: exact ties at equal reputation are spread at random", () => {
    const firsts = new Set(
      [0, 0.99].map(
        (r) => ids(lowestTtft.order(request(), [s("a", 100), s("b", 100)], fixed(r)))[0],
      ),
    );
    expect([...firsts].sort()).to.deep.equal(["a", "b"]);
  });

  it("least-loaded: fewest in flight first", () => {
    expect(
      ids(
        leastLoaded.order(
          request(),
          [s("a", 0, { inFlight: 3 }), s("b", 0, { inFlight: 1 })],
          fixed(0),
        ),
      ),
    ).to.deep.equal(["b", "a"]);
  });

  it("round-robin: each decision starts one provider further", () => {
    const rr = roundRobin();
    const list = [s("a", 0), s("b", 0), s("c", 0)];
    expect([0, 1, 2, 3].map(() => ids(rr.order(request(), list, fixed(0)))[0])).to.deep.equal([
      "a",
      "b",
      "c",
      "a",
    ]);
  });

  it("random: keeps every candidate exactly once", () => {
    expect(
      ids(randomPicker.order(request(), [s("a", 0), s("b", 0), s("c", 0)], fixed(0.5))).sort(),
    ).to.deep.equal(["a", "b", "c"]);
  });
});
