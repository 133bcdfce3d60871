import { expect } from "chai";
import { mulberry32 } from "@darkbloom/random";
import { BinaryHeap } from "./binary-heap.js";

describe("BinaryHeap", () => {
  it("pops in order of `before`, whatever order items were pushed in", () => {
    const rand = mulberry32(7);
    const values = Array.from({ length: 500 }, () => Math.floor(rand() * 100));
    const heap = new BinaryHeap<number>((a, b) => a < b);
    for (const v of values) heap.push(v);
    expect(heap.size).to.equal(500);
    const out: number[] = [];
    for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v);
    expect(out).to.deep.equal([...values].sort((a, b) => a - b));
    expect(heap.size).to.equal(0);
  });

  it("keeps working when pushes and pops interleave, and a tie-break makes the order total", () => {
    const heap = new BinaryHeap<{ at: number; seq: number }>(
      (a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq),
    );
    heap.push({ at: 5, seq: 0 });
    heap.push({ at: 1, seq: 1 });
    expect(heap.pop()).to.deep.equal({ at: 1, seq: 1 });
    heap.push({ at: 5, seq: 2 });
    heap.push({ at: 3, seq: 3 });
    expect([heap.pop(), heap.pop(), heap.pop(), heap.pop()]).to.deep.equal([
      { at: 3, seq: 3 },
      { at: 5, seq: 0 },
      { at: 5, seq: 2 },
      undefined,
    ]);
  });
});
