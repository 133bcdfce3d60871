// Test helper (imported only by *.test.ts).
import { expect } from "chai";
import { CryptoError, type CryptoErrorCode } from "./crypto-error.js";

/** Asserts `fn` throws a `CryptoError` with `code` (and nothing else). */
export function expectCryptoError(fn: () => unknown, code: CryptoErrorCode): CryptoError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, "expected a throw").to.be.instanceOf(CryptoError);
  const error = thrown as CryptoError;
  expect(error.code).to.equal(code);
  return error;
}
