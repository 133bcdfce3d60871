import { expect } from "chai";
import { kvCapacityTokens, postLoadRefusal } from "./kv-capacity.js";

describe("kv capacity", () => {
  const model = { residentBytes: 1e9, kvBytesPerToken: 1000, contextLength: 2048 };

  it("splits the KV pool equally between the loaded models, at the batch-copy peak", () => {
    expect(kvCapacityTokens(8_000_000, 1, model)).to.equal(4000);
    expect(kvCapacityTokens(8_000_000, 2, model)).to.equal(2000);
    expect(kvCapacityTokens(8_000_000, 0, model)).to.equal(0);
  });

  it("keeps a model whose share holds one full context", () => {
    expect(postLoadRefusal(2048, model)).to.equal(undefined);
  });

  it("refuses a model whose share is one token short of a full context, with the arithmetic", () => {
    expect(postLoadRefusal(2047, model)).to.match(/2047 tokens, below one full context \(2048/);
  });
});
