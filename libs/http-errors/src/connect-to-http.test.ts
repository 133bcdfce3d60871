import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "chai";
import { CONNECT_TO_HTTP, toHttpError } from "./connect-to-http.js";
import { HttpError, openAiErrorBody } from "./http-error.js";

describe("CONNECT_TO_HTTP", () => {
  const codes = Object.values(Code).filter((v): v is Code => typeof v === "number");

  for (const code of codes) {
    it(`maps Connect code ${Code[code]} to an HTTP status with an OpenAI error body`, () => {
      const err = toHttpError(new ConnectError("why", code));
      expect(err.status).to.equal(CONNECT_TO_HTTP[code].status);
      expect(openAiErrorBody(err).error).to.have.keys(["message", "type", "param", "code"]);
      expect(err.type).to.be.a("string").and.not.empty;
    });
  }

  it("maps ResourceExhausted to 429 rate_limit_error (not 413) with its Retry-After", () => {
    const err = toHttpError(
      new ConnectError("busy", Code.ResourceExhausted, { "retry-after": "7" }),
    );
    expect(err).to.include({ status: 429, type: "rate_limit_error" });
    expect(err.headers["retry-after"]).to.equal("7");
  });

  it("never turns a failed precondition into a billing error (402 / insufficient_quota)", () => {
    const err = toHttpError(
      new ConnectError("reservation is unknown or expired", Code.FailedPrecondition),
    );
    expect(err.status).to.not.equal(402);
    expect(err.type).to.not.equal("insufficient_quota");
  });

  it("hides the message of internal errors", () => {
    expect(toHttpError(new Error("db password is hunter2")).message).to.equal("internal error");
  });

  it("keeps an HttpError as it is", () => {
    const e = new HttpError(413, "invalid_request_error", "request_too_large", "too big");
    expect(toHttpError(e)).to.equal(e);
  });
});
