import { expect } from "chai";
import { desiredWarm, reconcile, type PoolProvider, type PoolTarget } from "./reconcile.js";

const GiB = 1024 ** 3;
const p = (id: string, over: Partial<PoolProvider> = {}): PoolProvider => ({
  id,
  ramBytes: 64 * GiB,
  available: new Map([
    ["a", 4 * GiB],
    ["b", 4 * GiB],
    ["c", 4 * GiB],
    ["d", 4 * GiB],
  ]),
  loaded: new Set(),
  loading: new Set(),
  busy: new Set(),
  failed: new Set(),
  ...over,
});

describe("warm pool reconcile", () => {
  it("loads a model on as many providers as its target asks", () => {
    expect(reconcile([{ model: "a", minWarm: 2 }], [p("x"), p("y"), p("z")])).to.have.length(2);
  });

  it("counts pending loads as warm (no duplicate LoadModel)", () => {
    const actions = reconcile(
      [{ model: "a", minWarm: 1 }],
      [p("x", { loading: new Set(["a"]) }), p("y")],
    );
    expect(actions).to.deep.equal([]);
  });

  it("only loads on providers that have the model on disk", () => {
    const actions = reconcile(
      [{ model: "a", minWarm: 1 }],
      [p("x", { available: new Map() }), p("y")],
    );
    expect(actions).to.deep.equal([{ kind: "load", providerId: "y", model: "a" }]);
  });

  it("never puts more than 3 models on a provider; unloads an idle untargeted one first", () => {
    const full = p("x", { loaded: new Set(["b", "c", "d"]), busy: new Set(["b", "c"]) });
    expect(reconcile([{ model: "a", minWarm: 1 }], [full])).to.deep.equal([
      { kind: "unload", providerId: "x", model: "d" },
      { kind: "load", providerId: "x", model: "a" },
    ]);
  });

  it("does not unload a model with requests running or one a target needs", () => {
    const full = p("x", { loaded: new Set(["b", "c", "d"]), busy: new Set(["b", "c"]) });
    expect(
      reconcile(
        [
          { model: "a", minWarm: 1 },
          { model: "d", minWarm: 1 },
        ],
        [full],
      ),
    ).to.deep.equal([]);
  });

  it("refuses a load that breaks memory admission", () => {
    const small = p("x", { ramBytes: 8 * GiB });
    expect(reconcile([{ model: "a", minWarm: 1 }], [small])).to.deep.equal([]);
  });

  it("refuses a load the provider itself reports no free memory for", () => {
    expect(
      reconcile([{ model: "a", minWarm: 1 }], [p("x", { freeForLoadBytes: 2 * GiB })]),
    ).to.deep.equal([]);
  });

  it("does not retry a load that failed on that provider", () => {
    expect(
      reconcile([{ model: "a", minWarm: 1 }], [p("x", { failed: new Set(["a"]) })]),
    ).to.deep.equal([]);
  });

  describe("ceiling, utilization and load rate (table)", () => {
    const loaded = (id: string, busy = false): PoolProvider =>
      p(id, { loaded: new Set(["a"]), busy: new Set(busy ? ["a"] : []) });
    const cases: {
      name: string;
      target: Omit<PoolTarget, "model">;
      providers: PoolProvider[];
      want: number;
      loads: number;
      unloads?: number;
    }[] = [
      {
        name: "floor only: loads up to min",
        target: { minWarm: 2 },
        providers: [p("x"), p("y"), p("z")],
        want: 2,
        loads: 2,
      },
      {
        name: "min above max: never above max",
        target: { minWarm: 5, maxWarm: 2 },
        providers: [p("x"), p("y"), p("z")],
        want: 2,
        loads: 2,
      },
      {
        name: "utilization above target: one more warmed",
        target: { minWarm: 1, targetUtilizationPercent: 50 },
        providers: [loaded("x", true), p("y"), p("z")],
        want: 2,
        loads: 1,
      },
      {
        name: "utilization exactly at target: nothing more",
        target: { minWarm: 1, targetUtilizationPercent: 50 },
        providers: [loaded("x", true), loaded("y"), p("z")],
        want: 1,
        loads: 0,
      },
      {
        name: "utilization above target but at max: nothing more",
        target: { minWarm: 1, maxWarm: 2, targetUtilizationPercent: 50 },
        providers: [loaded("x", true), loaded("y", true), p("z")],
        want: 2,
        loads: 0,
      },
      {
        name: "utilization above target while a load is pending: no second load",
        target: { minWarm: 1, targetUtilizationPercent: 50 },
        providers: [loaded("x", true), p("y", { loading: new Set(["a"]) }), p("z")],
        want: 2,
        loads: 0,
      },
      {
        name: "no loads left this minute: nothing started",
        target: { minWarm: 3, loadBudget: 0 },
        providers: [p("x"), p("y"), p("z")],
        want: 3,
        loads: 0,
      },
      {
        name: "one load left this minute: one started",
        target: { minWarm: 3, loadBudget: 1 },
        providers: [p("x"), p("y"), p("z")],
        want: 3,
        loads: 1,
      },
      {
        name: "above max: idle copies unloaded, the busy one kept",
        target: { minWarm: 0, maxWarm: 1 },
        providers: [loaded("x", true), loaded("y"), loaded("z")],
        want: 0,
        loads: 0,
        unloads: 2,
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const target = { model: "a", ...c.target };
        expect(desiredWarm(target, c.providers)).to.equal(c.want);
        const actions = reconcile([target], c.providers);
        expect(actions.filter((a) => a.kind === "load" && a.model === "a")).to.have.length(c.loads);
        expect(actions.filter((a) => a.kind === "unload" && a.model === "a")).to.have.length(
          c.unloads ?? 0,
        );
        if (c.unloads)
          expect(actions.map((a) => a.providerId)).to.not.include("x", "never the busy one");
      });
    }
  });
});
