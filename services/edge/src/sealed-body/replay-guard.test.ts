import { expect } from "chai";
import { ReplayGuard } from "./replay-guard.js";

const key = new Uint8Array(32).fill(1);
const nonce = (n: number): Uint8Array => new Uint8Array(24).fill(n);

describe("ReplayGuard", () => {
  it("refuses the same ephemeral key and nonce twice while the key is accepted", () => {
    const guard = new ReplayGuard(100, () => 0);
    expect(guard.accept(key, nonce(1), 1000)).to.equal(true);
    expect(guard.accept(key, nonce(1), 1000)).to.equal(false);
    expect(guard.accept(key, nonce(2), 1000)).to.equal(true);
    expect(guard.accept(new Uint8Array(32).fill(2), nonce(1), 1000)).to.equal(true);
  });

  it("forgets a body once the key it was sealed to stops being accepted", () => {
    let nowMs = 0;
    const guard = new ReplayGuard(100, () => nowMs);
    guard.accept(key, nonce(1), 5000);
    nowMs = 5000;
    guard.accept(key, nonce(9), 99_000);
    expect(guard.size).to.equal(1);
  });

  it("stays bounded, dropping the oldest entries beyond its limit", () => {
    const guard = new ReplayGuard(3, () => 0);
    for (let i = 0; i < 10; i++) guard.accept(key, nonce(i), 1000);
    expect(guard.size).to.equal(3);
  });
});
