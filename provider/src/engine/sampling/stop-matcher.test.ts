import { expect } from "chai";
import { StopMatcher } from "./stop-matcher.js";

describe("StopMatcher", () => {
  it("holds back a possible stop prefix and drops the stop string", () => {
    const m = new StopMatcher(["END"]);
    expect(m.push("abcE")).to.deep.equal({ emit: "abc", stopped: false });
    expect(m.push("N")).to.deep.equal({ emit: "", stopped: false });
    expect(m.push("Dxyz")).to.deep.equal({ emit: "", stopped: true, stop: "END" });
  });

  it("releases held text that turns out not to be a stop", () => {
    const m = new StopMatcher(["END"]);
    expect(m.push("aE")).to.deep.equal({ emit: "a", stopped: false });
    expect(m.push("x")).to.deep.equal({ emit: "Ex", stopped: false });
    expect(m.push("EN")).to.deep.equal({ emit: "", stopped: false });
    expect(m.flush()).to.equal("EN");
  });

  it("stops at the earliest of several stop strings", () => {
    const m = new StopMatcher(["zz", "b"]);
    expect(m.push("azzb")).to.deep.equal({ emit: "a", stopped: true, stop: "zz" });
  });
});
