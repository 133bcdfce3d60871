import { expect } from "chai";
import { flag, flags, parseArgs } from "./args.js";

describe("parseArgs", () => {
  it("reads the command, repeated flags, = forms and bare switches", () => {
    const a = parseArgs([
      "start",
      "--model",
      "a",
      "--model=b",
      "--json",
      "--coordinator",
      "ws://x",
    ]);
    expect(a.command).to.equal("start");
    expect(flags(a, "model")).to.deep.equal(["a", "b"]);
    expect(flag(a, "json")).to.equal("true");
    expect(flag(a, "coordinator")).to.equal("ws://x");
  });
});
