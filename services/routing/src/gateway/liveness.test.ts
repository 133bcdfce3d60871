import { SlotState } from "@darkbloom/proto";
import { expect } from "chai";
import { ProviderSession } from "./provider-session.js";
import {
  runRequest,
  startRoutingHarness,
  until,
  type RoutingHarness,
} from "../testing/routing-harness.js";

describe("provider liveness", function () {
  this.timeout(10_000);
  let h: RoutingHarness;
  beforeEach(async () => {
    h = await startRoutingHarness({}, { heartbeatIntervalMs: 50, livenessTimeoutMs: 400 });
  });
  afterEach(() => h.close());

  const session = (providerId: string): ProviderSession => {
    const s = h.registry.get(providerId);
    if (!(s instanceof ProviderSession)) throw new Error(`${providerId} is not registered`);
    return s;
  };

  it("drops a provider that stops sending frames and keeps one that heartbeats", async () => {
    const silent = await h.provider({ models: ["m"] });
    const beating = await h.provider({ models: ["m"], heartbeats: true });
    await until(() => h.registry.get(silent.providerId) === undefined);
    await new Promise((r) => setTimeout(r, 500));
    expect(h.registry.get(beating.providerId)).to.be.instanceOf(ProviderSession);
    const { text } = await runRequest(h.client, "m");
    expect(text).to.equal("fake reply");
    expect(beating.requests).to.have.length(1);
  });

  it("reports the requests a heartbeating fake is answering as its slot's running figure", async () => {
    const p = await h.provider({
      models: ["m"],
      heartbeats: true,
      reply: () => ({ pieces: ["a", "b", "c", "d"], pieceDelayMs: 150 }),
    });
    const running = runRequest(h.client, "m");
    await until(() => session(p.providerId).heartbeat?.slots[0]?.running === 1);
    expect(session(p.providerId).heartbeat?.slots[0]?.state).to.equal(SlotState.RUNNING);
    expect((await running).text).to.equal("abcd");
    await until(() => session(p.providerId).heartbeat?.slots[0]?.state === SlotState.IDLE);
    expect(session(p.providerId).heartbeat?.slots[0]?.running).to.equal(0);
  });
});
