import { expect } from "chai";
import { expectedWaitMs } from "./expected-wait.js";

describe("expectedWaitMs", () => {
  const rows = [
    {
      rule: "an empty queue waits for one seat to free",
      depth: 0,
      running: 4,
      serviceMs: 8000,
      ms: 2000,
    },
    {
      rule: "each request ahead adds its share of a service time",
      depth: 3,
      running: 4,
      serviceMs: 8000,
      ms: 8000,
    },
    {
      rule: "with nothing running, a whole service time per request",
      depth: 1,
      running: 0,
      serviceMs: 5000,
      ms: 10_000,
    },
  ];
  for (const r of rows) {
    it(r.rule, () => {
      expect(expectedWaitMs(r.depth, r.running, r.serviceMs)).to.equal(r.ms);
    });
  }
});
