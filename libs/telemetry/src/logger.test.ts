import { expect } from "chai";
import { createLogger } from "./logger.js";

describe("createLogger", () => {
  it("writes JSON lines with child fields and drops levels below the minimum", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", write: (l) => lines.push(l) }).child({
      requestId: "r1",
    });
    log.debug("hidden");
    log.info("served", { tokens: 5, big: 10n });
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0] ?? "")).to.include({
      level: "info",
      msg: "served",
      requestId: "r1",
      tokens: 5,
      big: "10",
    });
  });
});
