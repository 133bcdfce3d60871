import { expect } from "chai";
import { TrafficRing, percentile } from "./traffic-ring.js";

describe("TrafficRing", () => {
  it("buckets requests per interval with error counts and TTFT/latency percentiles", () => {
    let now = 100_000;
    const ring = new TrafficRing({ intervalMs: 1_000, size: 10, now: () => now });
    for (let i = 1; i <= 100; i++)
      ring.record({ atMs: 100_100, status: 200, ttftMs: i, latencyMs: 10 * i });
    ring.record({ atMs: 100_200, status: 429, latencyMs: 1 });
    ring.record({ atMs: 100_300, status: 502, latencyMs: 2 });
    now = 102_500;
    ring.record({ atMs: 102_400, status: 200, ttftMs: 7, latencyMs: 70 });
    const s = ring.snapshot();
    expect(s.map((i) => i.startMs)).to.deep.equal([100_000, 101_000, 102_000]);
    expect(s[0]).to.include({
      requests: 102,
      clientErrors: 1,
      serverErrors: 1,
      ttftP50Ms: 50,
      ttftP95Ms: 95,
      ttftP99Ms: 99,
      latencyP99Ms: 990, // 102 samples (1, 2, 10…1000): rank 101
    });
    // an interval without requests is on the axis with zeros
    expect(s[1]).to.include({ requests: 0, ttftP50Ms: 0, latencyP95Ms: 0 });
    expect(s[2]).to.include({ requests: 1, ttftP50Ms: 7, latencyP50Ms: 70 });
  });

  it("keeps only the last `size` intervals and a bounded sample per interval", () => {
    let now = 0;
    const ring = new TrafficRing({ intervalMs: 1_000, size: 3, maxSamples: 5, now: () => now });
    for (let t = 0; t < 6_000; t += 1_000)
      for (let i = 0; i < 50; i++) ring.record({ atMs: t, status: 200, latencyMs: i });
    now = 5_500;
    const s = ring.snapshot();
    expect(s.map((i) => i.startMs)).to.deep.equal([3_000, 4_000, 5_000]);
    expect(s.every((i) => i.requests === 50)).to.equal(true);
    expect(s.every((i) => i.latencyP99Ms < 50)).to.equal(true);
  });

  it("takes nearest-rank percentiles", () => {
    expect(percentile([], 50)).to.equal(0);
    expect(percentile([5], 99)).to.equal(5);
    expect(percentile([1, 2, 3, 4], 50)).to.equal(2);
    expect(percentile([1, 2, 3, 4], 95)).to.equal(4);
  });
});
