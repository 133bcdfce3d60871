import { expect } from "chai";
import { RequestTiming } from "./request-timing.js";

describe("RequestTiming", () => {
  it("decomposes the request into the marked phases plus total, Server-Timing style", () => {
    let now = 100;
    const t = new RequestTiming(() => now);
    now = 101.5;
    t.mark("auth");
    now = 102;
    t.mark("reserve");
    now = 110;
    t.mark("dispatch");
    now = 130;
    t.mark("ttft");
    now = 180;
    t.mark("generation");
    expect(t.header()).to.equal(
      "auth;dur=1.5, reserve;dur=0.5, dispatch;dur=8.0, ttft;dur=20.0, generation;dur=50.0, total;dur=80.0",
    );
  });

  it("leaves out phases a request never reached (an auth failure has auth and total only)", () => {
    let now = 0;
    const t = new RequestTiming(() => now);
    now = 2;
    t.mark("auth");
    now = 3;
    expect(t.header()).to.equal("auth;dur=2.0, total;dur=3.0");
  });
});
