import { SlotState, ThermalState, TrustLevel } from "@darkbloom/proto";
import { expect } from "chai";
import { request, view } from "../testing/view-fixture.js";
import { resolveProfile } from "./profile.js";
import { Scheduler } from "./scheduler.js";

const ours = () => new Scheduler(resolveProfile("ours"), () => 0);
const first = (s: Scheduler, ...args: Parameters<Scheduler["decide"]>) =>
  s.decide(...args).ranked[0]?.provider.id;

describe("Scheduler (profile ours)", () => {
  it("routes to the provider with the lowest expected time to first token", () => {
    const busy = view({ id: "busy", slot: { waiting: 3, running: 8 } });
    const idle = view({ id: "idle" });
    expect(first(ours(), request(), [busy, idle])).to.equal("idle");
  });

  it("prefers a warm slot over a cold one on an otherwise equal provider", () => {
    const cold = view({ id: "cold", slot: { state: SlotState.IDLE_SHUTDOWN } });
    expect(first(ours(), request(), [cold, view({ id: "warm" })])).to.equal("warm");
  });

  it("avoids a critically hot machine", () => {
    const hot = view({ id: "hot", thermal: ThermalState.CRITICAL });
    expect(first(ours(), request(), [hot, view({ id: "cool", slot: { running: 4 } })])).to.equal(
      "cool",
    );
  });

  it("sends a shared prefix to the provider holding it unless that provider is much busier", () => {
    const req = request({ promptTokens: 2048, prefixHashes: ["a", "b", "c", "d", "e", "f", "g"] });
    const holder = (waiting: number) =>
      view({ id: "holder", slot: { waiting, prefixHashes: new Set(req.prefixHashes) } });
    expect(first(ours(), req, [holder(0), view({ id: "other" })])).to.equal("holder");
    expect(first(ours(), req, [holder(3), view({ id: "other" })])).to.equal("other");
  });

  it("never routes to a fenced, untrusted or broken-template provider", () => {
    const providers = [
      view({ id: "fenced", routable: false }),
      view({ id: "untrusted", trustLevel: TrustLevel.NONE }),
      view({
        id: "broken",
        models: new Map([
          [
            "tiny",
            {
              templateOk: false,
              sizeBytes: 1,
              contextLength: 2048,
              quantization: "q4",
              fenced: false,
            },
          ],
        ]),
      }),
    ];
    const d = ours().decide(request({ minTrust: TrustLevel.SOFTWARE }), providers);
    expect(d.ranked).to.have.length(0);
    expect(d.eligible).to.equal(0);
  });

  it("tells 'full right now' (eligible, not admitted) from 'nobody can serve it'", () => {
    const full = view({ id: "full", slot: { maxTokensPotential: 8192 } });
    const d = ours().decide(request(), [full]);
    expect(d.ranked).to.have.length(0);
    expect(d.eligible).to.equal(1);
  });

  describe("provider.sort", () => {
    // quick: lowest expected TTFT but a worse record; reliable: a near-tie with a better record;
    // fast-decode: slow prefill, highest decode speed.
    const fleet = [
      view({ id: "quick", prefillTps: () => 2000, decodeTps: () => 20, reputation: 0.9 }),
      view({ id: "reliable", prefillTps: () => 1900, decodeTps: () => 20, reputation: 1 }),
      view({ id: "fast-decode", prefillTps: () => 200, decodeTps: () => 100, reputation: 1 }),
    ];
    const req = request({ promptTokens: 1000 });

    it("default: the near-tie with the better reputation", () => {
      expect(first(ours(), req, fleet)).to.equal("reliable");
    });

    it("latency: strictly the lowest expected time to first token", () => {
      expect(first(ours(), { ...req, sort: "latency" }, fleet)).to.equal("quick");
    });

    it("throughput: the highest decode tokens/s, even with a slower first token", () => {
      expect(first(ours(), { ...req, sort: "throughput" }, fleet)).to.equal("fast-decode");
    });

    it("price: providers of one model share its price, so the default order stands", () => {
      expect(first(ours(), { ...req, sort: "price" }, fleet)).to.equal("reliable");
    });
  });

  it("resolves a JSON profile and rejects unknown plugin names", () => {
    const p = resolveProfile(
      '{"filters":["serves-model"],"scorers":[{"type":"prefill-time","weight":2}],"picker":"lowest-ttft"}',
    );
    expect(p.scorers[0]?.weight).to.equal(2);
    expect(() => resolveProfile('{"filters":["nope"],"scorers":[],"picker":"random"}')).to.throw(
      /unknown filter/,
    );
    expect(() => resolveProfile("nope")).to.throw(/unknown routing profile/);
  });
});
