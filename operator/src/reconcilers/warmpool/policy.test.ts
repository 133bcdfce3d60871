import { expect } from "chai";
import type { WarmPool, WarmPoolSpec } from "../../api/warmpool.js";
import { planWarmPools, warmPoolPolicy } from "./policy.js";
import { effectiveMinWarm, inWindow } from "./schedule.js";

const pool = (name: string, spec: Partial<WarmPoolSpec>, deleting = false): WarmPool => ({
  apiVersion: "darkbloom.dev/v1alpha1",
  kind: "WarmPool",
  metadata: { name, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
  spec: { coordinatorRef: { name: "main" }, model: "m", minWarmProviders: 1, ...spec },
});

// 2026-12-07 is a Monday.
const at = (iso: string) => new Date(iso);

describe("warm-pool schedule windows (UTC)", () => {
  const cases: {
    name: string;
    window: { days: ("Mon" | "Tue" | "Sun")[]; start: string; end: string };
    now: string;
    open: boolean;
  }[] = [
    {
      name: "inside a daytime window",
      window: { days: ["Mon"], start: "09:00", end: "17:00" },
      now: "2026-12-07T12:00:00Z",
      open: true,
    },
    {
      name: "at its start (inclusive)",
      window: { days: ["Mon"], start: "09:00", end: "17:00" },
      now: "2026-12-07T09:00:00Z",
      open: true,
    },
    {
      name: "at its end (exclusive)",
      window: { days: ["Mon"], start: "09:00", end: "17:00" },
      now: "2026-12-07T17:00:00Z",
      open: false,
    },
    {
      name: "on a day not listed",
      window: { days: ["Tue"], start: "09:00", end: "17:00" },
      now: "2026-12-07T12:00:00Z",
      open: false,
    },
    {
      name: "an overnight window after midnight, counted from the day it started",
      window: { days: ["Sun"], start: "22:00", end: "02:00" },
      now: "2026-12-07T01:00:00Z",
      open: true,
    },
    {
      name: "an overnight window after midnight of a day not listed",
      window: { days: ["Mon"], start: "22:00", end: "02:00" },
      now: "2026-12-07T01:00:00Z",
      open: false,
    },
    {
      name: "an overnight window before midnight",
      window: { days: ["Mon"], start: "22:00", end: "02:00" },
      now: "2026-12-07T23:30:00Z",
      open: true,
    },
    {
      name: "uses UTC, not the local clock",
      window: { days: ["Mon"], start: "00:00", end: "01:00" },
      now: "2026-12-07T00:30:00+00:00",
      open: true,
    },
  ];
  for (const tc of cases)
    it(`${tc.open ? "open" : "closed"} ${tc.name}`, () => {
      expect(inWindow({ ...tc.window, minWarmProviders: 5 }, at(tc.now))).to.equal(tc.open);
    });

  it("an open window's floor replaces the base one; overlapping windows take the highest", () => {
    const spec = pool("a", {
      minWarmProviders: 1,
      schedule: [
        { days: ["Mon"], start: "09:00", end: "17:00", minWarmProviders: 4 },
        { days: ["Mon"], start: "12:00", end: "13:00", minWarmProviders: 6 },
        { days: ["Mon"], start: "10:00", end: "11:00", minWarmProviders: 0 },
      ],
    }).spec;
    expect(effectiveMinWarm(spec, at("2026-12-07T08:00:00Z"))).to.equal(1);
    expect(effectiveMinWarm(spec, at("2026-12-07T09:30:00Z"))).to.equal(4);
    expect(effectiveMinWarm(spec, at("2026-12-07T12:30:00Z"))).to.equal(6);
    expect(effectiveMinWarm(spec, at("2026-12-07T10:30:00Z"))).to.equal(4);
  });
});

describe("warmPoolPolicy (every WarmPool of a coordinator combined)", () => {
  const now = at("2026-12-07T12:00:00Z");

  it("one target per model with the proto fields, sorted, only for this coordinator and not for WarmPools being deleted", () => {
    const targets = warmPoolPolicy(
      [
        pool("b", {
          model: "zeta",
          minWarmProviders: 2,
          maxWarmProviders: 4,
          targetUtilizationPercent: 70,
          maxLoadsPerMinute: 3,
        }),
        pool("a", { model: "alpha", minWarmProviders: 1 }),
        pool("other", { model: "x", coordinatorRef: { name: "elsewhere" } }),
        pool("gone", { model: "y" }, true),
      ],
      "main",
      now,
    );
    expect(targets).to.deep.equal([
      {
        model: "alpha",
        minWarmProviders: 1,
        maxWarmProviders: 0,
        targetUtilizationPercent: 0,
        maxLoadsPerMinute: 0,
      },
      {
        model: "zeta",
        minWarmProviders: 2,
        maxWarmProviders: 4,
        targetUtilizationPercent: 70,
        maxLoadsPerMinute: 3,
      },
    ]);
  });

  it("two WarmPools of one model: highest floor, loosest ceiling (0 = none), lowest utilization target, tightest load rate", () => {
    const [t] = warmPoolPolicy(
      [
        pool("a", {
          minWarmProviders: 2,
          maxWarmProviders: 3,
          targetUtilizationPercent: 80,
          maxLoadsPerMinute: 0,
        }),
        pool("b", {
          minWarmProviders: 1,
          maxWarmProviders: 5,
          targetUtilizationPercent: 60,
          maxLoadsPerMinute: 4,
        }),
      ],
      "main",
      now,
    );
    expect(t).to.deep.equal({
      model: "m",
      minWarmProviders: 2,
      maxWarmProviders: 5,
      targetUtilizationPercent: 60,
      maxLoadsPerMinute: 4,
    });
  });

  it("a schedule floor above the ceiling is capped to the ceiling", () => {
    const [t] = warmPoolPolicy(
      [
        pool("a", {
          minWarmProviders: 1,
          maxWarmProviders: 3,
          schedule: [{ days: ["Mon"], start: "00:00", end: "23:59", minWarmProviders: 9 }],
        }),
      ],
      "main",
      now,
    );
    expect(t?.minWarmProviders).to.equal(3);
  });
});

describe("planWarmPools: the policy and a requeue at the next schedule boundary", () => {
  const daytime = { days: ["Mon" as const], start: "09:00", end: "17:00", minWarmProviders: 4 };
  const H = 3_600_000;
  const cases: {
    name: string;
    pools: WarmPool[];
    now: string;
    requeueAfterMs: number | undefined;
  }[] = [
    {
      name: "no schedule: nothing to wait for",
      pools: [pool("a", {})],
      now: "2026-12-07T08:00:00Z",
      requeueAfterMs: undefined,
    },
    {
      name: "before a window: when it opens",
      pools: [pool("a", { schedule: [daytime] })],
      now: "2026-12-07T08:00:00Z",
      requeueAfterMs: H,
    },
    {
      name: "at its opening instant: when it closes (a boundary is strictly ahead)",
      pools: [pool("a", { schedule: [daytime] })],
      now: "2026-12-07T09:00:00Z",
      requeueAfterMs: 8 * H,
    },
    {
      name: "inside: when it closes, to the millisecond",
      pools: [pool("a", { schedule: [daytime] })],
      now: "2026-12-07T16:59:30.250Z",
      requeueAfterMs: 29_750,
    },
    {
      name: "after its only day's window: next week's opening",
      pools: [pool("a", { schedule: [daytime] })],
      now: "2026-12-07T18:00:00Z",
      requeueAfterMs: 7 * 24 * H - 9 * H,
    },
    {
      name: "after midnight in an overnight window begun yesterday: when it closes",
      pools: [
        pool("a", {
          schedule: [{ days: ["Sun"], start: "22:00", end: "02:00", minWarmProviders: 2 }],
        }),
      ],
      now: "2026-12-07T01:00:00Z",
      requeueAfterMs: H,
    },
    {
      name: "before midnight in an overnight window: its close tomorrow",
      pools: [
        pool("a", {
          schedule: [{ days: ["Mon"], start: "22:00", end: "02:00", minWarmProviders: 2 }],
        }),
      ],
      now: "2026-12-07T23:00:00Z",
      requeueAfterMs: 3 * H,
    },
    {
      name: "a 24 h window (start == end): it closes a day after it opens",
      pools: [
        pool("a", {
          schedule: [{ days: ["Mon"], start: "06:00", end: "06:00", minWarmProviders: 2 }],
        }),
      ],
      now: "2026-12-07T07:00:00Z",
      requeueAfterMs: 23 * H,
    },
    {
      name: "several pools: the earliest boundary of any",
      pools: [
        pool("a", { schedule: [daytime] }),
        pool("b", {
          model: "n",
          schedule: [{ days: ["Mon"], start: "08:30", end: "08:45", minWarmProviders: 1 }],
        }),
      ],
      now: "2026-12-07T08:00:00Z",
      requeueAfterMs: 0.5 * H,
    },
    {
      name: "windows of a deleted pool or of another coordinator's pool do not count",
      pools: [
        pool("a", { schedule: [daytime] }),
        pool(
          "gone",
          { schedule: [{ days: ["Mon"], start: "08:10", end: "08:20", minWarmProviders: 1 }] },
          true,
        ),
        pool("other", {
          coordinatorRef: { name: "elsewhere" },
          schedule: [{ days: ["Mon"], start: "08:15", end: "08:20", minWarmProviders: 1 }],
        }),
      ],
      now: "2026-12-07T08:00:00Z",
      requeueAfterMs: H,
    },
  ];
  for (const tc of cases)
    it(tc.name, () => {
      expect(planWarmPools(tc.pools, "main", at(tc.now)).requeueAfterMs).to.equal(
        tc.requeueAfterMs,
      );
    });

  it("reconciling at the requeue instant sends the window's floor; just before it, the base floor", () => {
    const pools = [pool("a", { minWarmProviders: 1, schedule: [daytime] })];
    const before = at("2026-12-07T08:59:59.999Z");
    const plan = planWarmPools(pools, "main", before);
    expect(plan.targets[0]?.minWarmProviders).to.equal(1);
    const boundary = new Date(before.getTime() + (plan.requeueAfterMs ?? 0));
    expect(boundary.toISOString()).to.equal("2026-12-07T09:00:00.000Z");
    expect(planWarmPools(pools, "main", boundary).targets[0]?.minWarmProviders).to.equal(4);
  });
});
