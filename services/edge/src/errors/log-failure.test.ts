import { Code, ConnectError } from "@connectrpc/connect";
import { createLogger } from "@darkbloom/telemetry";
import { expect } from "chai";
import { badRequest } from "./edge-error.js";
import { toEdgeError } from "./from-connect.js";
import { describeCause, logServerFailure } from "./log-failure.js";

function capture(): {
  lines: Array<Record<string, unknown>>;
  log: ReturnType<typeof createLogger>;
} {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    level: "debug",
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { lines, log };
}

describe("logServerFailure", () => {
  it("logs a 500 with the cause chain the consumer never sees", () => {
    const { lines, log } = capture();
    const dbError = new Error('invalid byte sequence for encoding "UTF8": 0x00');
    const edge = toEdgeError(
      new ConnectError("insert failed", Code.Internal, undefined, undefined, dbError),
    );
    expect(edge.message).to.equal("internal error");

    logServerFailure(log, "request failed", edge);

    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ level: "error", msg: "request failed", status: 500 });
    expect(lines[0]?.cause).to.be.a("string").and.include("insert failed");
    expect(lines[0]?.cause).to.include('invalid byte sequence for encoding "UTF8": 0x00');
  });

  it("logs a thrown RangeError (a protobuf overflow) by its message and where it was thrown", () => {
    const { lines, log } = capture();
    logServerFailure(
      log,
      "request failed",
      toEdgeError(new RangeError("invalid uint32: 4294967296")),
    );
    expect(lines[0]?.cause).to.match(/RangeError: invalid uint32: 4294967296.*\(at /);
  });

  it("does not log a client's 4xx", () => {
    const { lines, log } = capture();
    logServerFailure(log, "request failed", badRequest("max_tokens: must be at most 1000000"));
    expect(lines).to.deep.equal([]);
  });

  it("describes a non-Error cause and bounds a long one", () => {
    expect(describeCause("plain string")).to.equal("plain string");
    expect(describeCause(new Error("x".repeat(5_000))).length).to.be.at.most(1_001);
  });
});
