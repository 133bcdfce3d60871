import { expect } from "chai";
import { reconcile, type PoolProvider } from "./reconcile.js";

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
});
