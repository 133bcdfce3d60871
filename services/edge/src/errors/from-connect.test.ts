import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "chai";
import { EdgeError, openAiErrorBody } from "./edge-error.js";
import { CONNECT_TO_HTTP, fromProviderStatus, toEdgeError } from "./from-connect.js";

describe("toEdgeError", () => {
  const codes = Object.values(Code).filter((v): v is Code => typeof v === "number");

  for (const code of codes) {
    it(`maps Connect code ${Code[code]} to an HTTP status with an OpenAI error body`, () => {
      const edge = toEdgeError(new ConnectError("why", code));
      expect(edge.status).to.equal(CONNECT_TO_HTTP[code].status);
      const body = openAiErrorBody(edge);
      expect(body.error).to.have.keys(["message", "type", "param", "code"]);
      expect(body.error.type).to.be.a("string").and.not.empty;
    });
  }

  it("turns the router's ResourceExhausted retry-after hint into 429 + Retry-After", () => {
    const edge = toEdgeError(
      new ConnectError("busy", Code.ResourceExhausted, { "retry-after": "7" }),
    );
    expect(edge.status).to.equal(429);
    expect(edge.headers["retry-after"]).to.equal("7");
  });

  it("hides the message of internal errors from the consumer", () => {
    expect(toEdgeError(new Error("db password is hunter2")).message).to.equal("internal error");
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
