import { TestBed } from "@angular/core/testing";
import { TrafficService } from "../../../gen/darkbloom/v1/traffic_pb";
import TrafficPage from "./traffic.page";
import { adminTestBed, cells, el, settle, text } from "./testing/admin-test-bed";

const START = Date.UTC(2026, 0, 1, 12, 0, 0);

describe("TrafficPage", () => {
  afterEach(() => sessionStorage.clear());

  it("shows requests/s and error rates of the last minute, charts, and the busy intervals", async () => {
    const intervals = Array.from({ length: 12 }, (_, k) => ({
      startMs: BigInt(START + k * 10_000),
      requests: k < 6 ? 0 : 20,
      clientErrors: k === 11 ? 2 : 0,
      serverErrors: k === 10 ? 1 : 0,
      ttftP50Ms: k < 6 ? 0 : 120,
      ttftP95Ms: k < 6 ? 0 : 300,
      ttftP99Ms: k < 6 ? 0 : 450,
      latencyP50Ms: k < 6 ? 0 : 900,
      latencyP95Ms: k < 6 ? 0 : 2000,
      latencyP99Ms: k < 6 ? 0 : 2500,
    }));
    adminTestBed(({ service }) =>
      service(TrafficService, {
        getTraffic: () => ({ intervalMs: 10_000, intervals, replicaId: "replica-a" }),
      }),
    );
    const fixture = TestBed.createComponent(TrafficPage);
    await settle(fixture);
    const root = el(fixture);
    // last minute = 6 intervals × 20 requests over 60 s; 2 of 120 were 4xx, 1 was 5xx
    expect(text(root.querySelector('[data-testid="traffic-summary"]') as Node)).toBe(
      "Requests/s (last minute) 2.00 Client errors 1.7 % Server errors 0.8 % Requests in window 120",
    );
    expect(text(root)).toContain("(replica-a)");
    const charts = [...root.querySelectorAll("svg[role=img]")].map((s) =>
      s.getAttribute("aria-label"),
    );
    expect(charts).toEqual([
      "Requests per second: requests/s latest 2.00 req/s",
      "Time to first token: p50 latest 120, p95 latest 300, p99 latest 450 ms",
      "Latency: p50 latest 900, p95 latest 2000, p99 latest 2500 ms",
      "Error rate: 4xx % latest 10.0, 5xx % latest 0.0 %",
    ]);
    const rows = cells(root, "traffic-intervals");
    expect(rows).toHaveLength(6);
    expect(rows[0]?.slice(1)).toEqual(["20", "2", "0", "120 / 300 / 450", "900 / 2000 / 2500"]);
  });

  it("says when the window has no requests, and shows a refusal", async () => {
    adminTestBed(({ service }) =>
      service(TrafficService, {
        getTraffic: () => {
          throw new Error("boom");
        },
      }),
    );
    const fixture = TestBed.createComponent(TrafficPage);
    await settle(fixture);
    const root = el(fixture);
    expect(root.querySelector('[role="alert"]')).not.toBeNull();
    expect(cells(root, "traffic-intervals")).toEqual([["No requests in the window."]]);
  });
});
