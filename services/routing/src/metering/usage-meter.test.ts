import { SEAL_OVERHEAD_BYTES } from "@darkbloom/crypto";
import { expect } from "chai";
import { UsageMeter } from "./usage-meter.js";

const payload = (bytes: number): number => SEAL_OVERHEAD_BYTES + bytes;

describe("UsageMeter", () => {
  it("bills the relayed completion tokens, not the provider's report", () => {
    const meter = new UsageMeter(100, 50);
    meter.chunk(1, payload(8));
    const { usage, disputes } = meter.bound({
      promptTokens: 4_000_000_000,
      completionTokens: 4_000_000_000,
    });
    expect(usage).to.deep.equal({ promptTokens: 50, completionTokens: 1 });
    expect(disputes).to.deep.equal(["prompt", "completion"]);
  });

  it("accepts an honest report, including the unsent end-of-sequence token", () => {
    const meter = new UsageMeter(100, 50);
    for (let i = 0; i < 3; i++) meter.chunk(1, payload(4));
    const { usage, disputes } = meter.bound({ promptTokens: 20, completionTokens: 4 });
    expect(usage).to.deep.equal({ promptTokens: 20, completionTokens: 3 });
    expect(disputes).to.deep.equal([]);
  });

  it("bounds a chunk's claimed count by its payload bytes and the sum by max_tokens", () => {
    const meter = new UsageMeter(10, 50);
    expect(meter.chunk(1000, payload(6))).to.equal(6);
    expect(meter.chunk(1000, payload(6))).to.equal(4);
    expect(meter.chunk(1, payload(6))).to.equal(0);
    expect(meter.completionTokens).to.equal(10);
  });

  it("leaves the sum unbounded when the request named no max_tokens", () => {
    const meter = new UsageMeter(0, 50);
    meter.chunk(5, payload(6));
    meter.chunk(5, payload(6));
    expect(meter.completionTokens).to.equal(10);
  });
});
