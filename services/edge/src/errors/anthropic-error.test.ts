import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "chai";
import { anthropicErrorBody } from "./anthropic-error.js";
import { EdgeError, badRequest } from "./edge-error.js";
import { toEdgeError } from "./from-connect.js";

const KNOWN = [
  "invalid_request_error",
  "authentication_error",
  "billing_error",
  "permission_error",
  "not_found_error",
  "request_too_large",
  "rate_limit_error",
  "timeout_error",
  "api_error",
  "overloaded_error",
];

describe("anthropicErrorBody", () => {
  const codes = Object.values(Code).filter((v): v is Code => typeof v === "number");
  for (const code of codes) {
    it(`gives Connect code ${Code[code]} an Anthropic error body`, () => {
      const body = anthropicErrorBody(toEdgeError(new ConnectError("why", code)));
      expect(body.type).to.equal("error");
      expect(KNOWN).to.include(body.error.type);
    });
  }

  const cases: Array<[number, string]> = [
    [400, "invalid_request_error"],
    [401, "authentication_error"],
    [402, "billing_error"],
    [403, "permission_error"],
    [404, "not_found_error"],
    [413, "request_too_large"],
    [429, "rate_limit_error"],
    [500, "api_error"],
    [503, "overloaded_error"],
  ];
  for (const [status, type] of cases) {
    it(`answers status ${status} with ${type}`, () => {
      expect(anthropicErrorBody(new EdgeError(status, "x", null, "m")).error.type).to.equal(type);
    });
  }

  it("names the offending field in the message", () => {
    expect(anthropicErrorBody(badRequest("Required", "max_tokens")).error.message).to.equal(
      "max_tokens: Required",
    );
    expect(
      anthropicErrorBody(badRequest("max_tokens: Required", "max_tokens")).error.message,
    ).to.equal("max_tokens: Required");
  });
});
