import { expect } from "chai";
import { SEAL_OVERHEAD_BYTES } from "./constants.js";
import {
  PROMPT_TEMPLATE_ALLOWANCE_TOKENS,
  chunkTokenBound,
  promptTokenBoundOfSealedBody,
} from "./token-bounds.js";

describe("token bounds of sealed bytes", () => {
  it("bounds a sealed body's prompt by its plaintext bytes plus the template allowance", () => {
    expect(promptTokenBoundOfSealedBody(SEAL_OVERHEAD_BYTES + 1000)).to.equal(
      1000 + PROMPT_TEMPLATE_ALLOWANCE_TOKENS,
    );
    expect(promptTokenBoundOfSealedBody(3)).to.equal(PROMPT_TEMPLATE_ALLOWANCE_TOKENS);
  });

  it("lets a chunk bill no more tokens than its payload has bytes", () => {
    expect(chunkTokenBound(4_000_000_000, SEAL_OVERHEAD_BYTES + 12)).to.equal(12);
    expect(chunkTokenBound(3, SEAL_OVERHEAD_BYTES + 12)).to.equal(3);
  });

  it("counts one token for a chunk whose payload carries no text", () => {
    expect(chunkTokenBound(1, SEAL_OVERHEAD_BYTES)).to.equal(1);
    expect(chunkTokenBound(0, SEAL_OVERHEAD_BYTES + 50)).to.equal(0);
  });
});
