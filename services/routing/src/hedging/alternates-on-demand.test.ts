import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ephemeralBoxKey, sealWithSharedKey } from "@darkbloom/crypto";
import {
  InferenceBodySchema,
  ThermalState,
  TrustLevel,
  type InferResponse,
  type ReserveCandidate,
} from "@darkbloom/proto";
import type { FakeProvider } from "@darkbloom/testing";
import { expect } from "chai";
import {
  heartbeat,
  runRequest,
  startRoutingHarness,
  until,
  type RoutingHarness,
} from "../testing/routing-harness.js";
import { DEFAULT_HEDGE, type HedgeOptions } from "./hedge-delay.js";

const silent = { pieces: [], complete: false };
const BODY = toBinary(
  InferenceBodySchema,
  create(InferenceBodySchema, { model: "m", input: { case: "prompt", value: "hi" } }),
);
const sealTo = (c: Pick<ReserveCandidate, "providerId" | "providerPublicKey">, body = BODY) => {
  const eph = ephemeralBoxKey(c.providerPublicKey);
  return {
    providerId: c.providerId,
    senderPublicKey: eph.publicKey,
    encryptedBody: sealWithSharedKey(eph.sharedKey, body),
  };
};
const refusal = (e: unknown): ConnectError => ConnectError.from(e);
const startedOf = (events: InferResponse[]) =>
  events.flatMap((e) => (e.kind.case === "started" ? [e.kind.value] : []));
const counter = async (h: RoutingHarness, name: string): Promise<number> =>
  (await h.metrics.getSingleMetric(name)?.get())?.values.reduce((a, v) => a + v.value, 0) ?? 0;

describe("RoutingService: alternates sealed on demand (alternates_on_demand)", function () {
  this.timeout(10_000);
  let h: RoutingHarness;
  afterEach(async () => h.close());

  /** A first provider and a second one ranked after it (thermal SERIOUS), both heartbeating. */
  async function twoProviders(
    hedge: Partial<HedgeOptions>,
    first: Parameters<RoutingHarness["provider"]>[0]["reply"],
  ): Promise<{ first: FakeProvider; second: FakeProvider }> {
    h = await startRoutingHarness({ hedge: { ...DEFAULT_HEDGE, ...hedge } });
    const p1 = await h.provider({ models: ["m"], reply: first });
    const p2 = await h.provider({ models: ["m"] });
    heartbeat(p1);
    heartbeat(p2, { thermal: ThermalState.SERIOUS });
    await until(() => h.registry.all().every((s) => s.heartbeat !== undefined));
    return { first: p1, second: p2 };
  }

  it("asks for no alternate's body when the first provider answers", async () => {
    const { second } = await twoProviders({ minDelayMs: 5_000, unknownDelayMs: 5_000 }, undefined);
    const { text, wanted } = await runRequest(h.client, "m", { alternates: "on-demand" });
    expect(text).to.equal("fake reply");
    expect(wanted).to.deep.equal([]);
    expect(second.requests).to.have.length(0);
  });

  it("hedges a late first token: asks for the alternate's body, which the alternate opens, and streams its answer", async () => {
    const { first, second } = await twoProviders(
      { minDelayMs: 30, unknownDelayMs: 30 },
      () => silent,
    );
    const { text, events, wanted } = await runRequest(h.client, "m", { alternates: "on-demand" });
    expect(wanted).to.deep.equal([second.providerId]);
    // the fake provider opened the supplied copy with its own secret key
    expect(second.requests.map((b) => b.input)).to.deep.equal([{ case: "prompt", value: "hi" }]);
    expect(startedOf(events).at(-1)).to.include({
      providerId: second.providerId,
      hedged: true,
      attempt: 1,
    });
    expect(text).to.equal("fake reply");
    expect(events.at(-1)?.kind.case).to.equal("complete");
    await first.waitFor("cancel");
    expect(await counter(h, "darkbloom_routing_hedges_total")).to.equal(1);
  });

  it("fails over to the alternate, once its body is supplied, when the first provider dies before its first token", async () => {
    const { first, second } = await twoProviders({ enabled: false }, () => silent);
    const run = runRequest(h.client, "m", { alternates: "on-demand" });
    await first.waitFor("inferenceRequest");
    first.kill();
    const { text, events, wanted } = await run;
    expect(wanted).to.deep.equal([second.providerId]);
    expect(startedOf(events).at(-1)).to.include({ providerId: second.providerId, attempt: 1 });
    expect(text).to.equal("fake reply");
  });

  it("skips an alternate whose body never comes (counted), and the request fails cleanly", async () => {
    const { first, second } = await twoProviders(
      { enabled: false, alternateSupplyTimeoutMs: 50 },
      () => silent,
    );
    const run = runRequest(h.client, "m", { alternates: "never-supplied" });
    await first.waitFor("inferenceRequest");
    first.kill();
    const { events, wanted, requestId } = await run;
    expect(wanted).to.deep.equal([second.providerId]);
    expect(events.at(-1)?.kind.case).to.equal("error");
    expect(second.requests).to.have.length(0);
    expect(await counter(h, "darkbloom_routing_alternate_supply_missed_total")).to.equal(1);
    // the request's wants are gone with it
    const late = sealTo({
      providerId: second.providerId,
      providerPublicKey: second.keys.publicKey,
    });
    const err = await h.client
      .supplyAlternate({ requestId, alternate: late })
      .then(() => undefined, refusal);
    expect(err?.code).to.equal(Code.NotFound);
  });

  it("refuses a supply for a request not running here with NotFound", async () => {
    h = await startRoutingHarness();
    const alternate = sealTo({ providerId: "p", providerPublicKey: new Uint8Array(32).fill(9) });
    const err = await h.client
      .supplyAlternate({ requestId: "nobody", alternate })
      .then(() => undefined, refusal);
    expect(err?.code).to.equal(Code.NotFound);
    expect(err?.rawMessage).to.match(/no request nobody is running here/);
  });

  it("refuses a copy of another length or for a provider it did not ask for, then takes the right one", async () => {
    const { second } = await twoProviders({ minDelayMs: 30, unknownDelayMs: 30 }, () => silent);
    const requestId = "r-refusals";
    const r = await h.client.reserve({
      requestId,
      metadata: { model: "m", estimatedPromptTokens: 10, maxTokens: 8 },
      minTrust: TrustLevel.UNSPECIFIED,
    });
    const primary = sealTo({ providerId: r.providerId, providerPublicKey: r.providerPublicKey });
    const alt = r.alternates[0] as ReserveCandidate;
    const codes: (Code | "accepted")[] = [];
    const supply = (alternate: ReturnType<typeof sealTo>) =>
      h.client.supplyAlternate({ requestId, alternate }).then(
        () => codes.push("accepted"),
        (e: unknown) => codes.push(ConnectError.from(e).code),
      );
    const kinds: string[] = [];
    for await (const ev of h.client.infer({
      reservationId: r.reservationId,
      requestId,
      senderPublicKey: primary.senderPublicKey,
      encryptedBody: primary.encryptedBody,
      alternatesOnDemand: true,
    })) {
      kinds.push(ev.kind.case ?? "");
      if (ev.kind.case === "started" && kinds.length === 1) await supply(sealTo(alt)); // not asked for yet
      if (ev.kind.case !== "alternateWanted") continue;
      await supply(sealTo(alt, new Uint8Array([...BODY, 1])));
      await supply(sealTo({ providerId: r.providerId, providerPublicKey: r.providerPublicKey }));
      await supply(sealTo(alt));
    }
    expect(codes).to.deep.equal([
      Code.FailedPrecondition,
      Code.InvalidArgument,
      Code.FailedPrecondition,
      "accepted",
    ]);
    expect(second.requests).to.have.length(1);
    expect(kinds.at(-1)).to.equal("complete");
  });

  it("is refused on InferReserved (the supply would reach another replica)", async () => {
    h = await startRoutingHarness();
    const err = await (async () => {
      for await (const _ of h.client.inferReserved({
        request: { reservationId: "x", alternatesOnDemand: true },
      }))
        void _;
    })().then(() => undefined, refusal);
    expect(err?.code).to.equal(Code.InvalidArgument);
  });
});
