import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "chai";
import { EdgeError, openAiErrorBody } from "./edge-error.js";
import { CONNECT_TO_HTTP, fromProviderStatus, toEdgeError } from "./from-connect.js";

// The code → status table itself is tested in libs/http-errors (connect-to-http.test.ts).
describe("toEdgeError", () => {
  it("maps a Connect error through the HTTP surface's one table", () => {
    const edge = toEdgeError(new ConnectError("busy", Code.ResourceExhausted));
    expect(edge.status).to.equal(CONNECT_TO_HTTP[Code.ResourceExhausted].status);
    expect(openAiErrorBody(edge).error).to.include({ type: "rate_limit_error" });
  });

  it("keeps an EdgeError as it is", () => {
    const e = new EdgeError(413, "invalid_request_error", "too_large", "too big");
    expect(toEdgeError(e)).to.equal(e);
  });
});

describe("fromProviderStatus", () => {
  const table: Array<[number, number, string]> = [
    [400, 400, "provider_rejected"],
    [422, 422, "context_length_exceeded"],
    [503, 503, "no_capacity"],
    [504, 504, "timeout"],
    [502, 502, "provider_error"],
    [500, 502, "provider_error"],
    [0, 502, "provider_error"],
    // Statuses routing never emits: none reaches the consumer as it is.
    [401, 502, "provider_error"],
    [403, 502, "provider_error"],
    [404, 502, "provider_error"],
    [429, 502, "provider_error"],
  ];
  for (const [status, http, code] of table) {
    it(`maps routing's error status ${status} to ${http} ${code}`, () => {
      const edge = fromProviderStatus(status, "coordinator text");
      expect([edge.status, edge.code]).to.deep.equal([http, code]);
    });
  }
});
