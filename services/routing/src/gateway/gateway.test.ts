import { Code, ConnectError } from "@connectrpc/connect";
import type { InferResponse } from "@darkbloom/proto";
import type { Registry } from "@darkbloom/telemetry";
import { FakeProvider, type FakeReply } from "@darkbloom/testing";
import { expect } from "chai";
import { ProviderSession } from "./provider-session.js";
import {
  runRequest,
  startRoutingHarness,
  type RoutingHarness as Harness,
} from "../testing/routing-harness.js";

const startHarness = (): Promise<Harness> => startRoutingHarness();

/** Runs one sealed request the way the edge does and returns the opened text and final event. */
async function infer(
  h: Harness,
  model: string,
  signal?: AbortSignal,
): Promise<{ text: string; last: InferResponse | undefined }> {
  const { text, events } = await runRequest(h.client, model, { signal });
  return { text, last: events.at(-1) };
}

const metricValue = async (metrics: Registry, name: string): Promise<number> =>
  (await metrics.getSingleMetric(name)?.get())?.values.reduce((a, v) => a + v.value, 0) ?? 0;

describe("ProviderGateway", function () {
  this.timeout(10_000);
  let h: Harness;
  const providers: FakeProvider[] = [];
  const fake = async (
    models: string[],
    reply?: (n: number) => FakeReply,
  ): Promise<FakeProvider> => {
    let n = 0;
    const p = new FakeProvider({ url: h.url, models, reply: reply ? () => reply(n++) : undefined });
    providers.push(p);
    await p.connect();
    return p;
  };

  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
    await h.close();
  });

  it("GoAway: the provider is told to move and gets no new request; the others serve", async () => {
    const moving = await fake(["m1"]);
    const staying = await fake(["m1"]);
    const session = h.registry.get(moving.providerId);
    if (!(session instanceof ProviderSession)) throw new Error("not registered here");
    session.goAway(250, 500, "coordinator draining");
    const frame = await moving.waitFor("goAway");
    expect(frame.kind.value).to.deep.include({
      reconnectDelayMs: 250,
      jitterMs: 500,
      reason: "coordinator draining",
    });
    expect(session.moving).to.equal(true);
    for (let i = 0; i < 6; i++) expect((await infer(h, "m1")).last?.kind.case).to.equal("complete");
    expect(moving.requests).to.have.length(0);
    expect(staying.requests).to.have.length(6);
  });

  it("registers a provider, relays its sealed reply, and forgets it on disconnect", async () => {
    const p = await fake(["m1"]);
    expect((await h.client.listModels({})).models.map((m) => m.id)).to.deep.equal(["m1"]);
    const { text, last } = await infer(h, "m1");
    expect(text).to.equal("fake reply");
    expect(last?.kind.case).to.equal("complete");
    expect(p.requests[0]?.model).to.equal("m1");
    await p.close();
    await waitUntil(() => h.registry.size === 0);
    expect((await h.client.listModels({})).models).to.deep.equal([]);
  });

  it("answers a garbage frame with a protocol error, counts it, and keeps the connection serving", async () => {
    const p = await fake(["m1"]);
    p.sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]));
    const err = await p.waitFor("protocolError");
    expect(err.kind.case === "protocolError" && err.kind.value.code).to.equal("malformed_frame");
    expect(await metricValue(h.metrics, "darkbloom_provider_bad_frames_total")).to.equal(1);
    expect((await infer(h, "m1")).text).to.equal("fake reply");
  });

  it("counts the frames it receives by kind, as the metrics read them", async () => {
    await fake(["m1"], () => ({ pieces: ["a", "b", "c"] }));
    const kinds = async (): Promise<Record<string, number>> => {
      const values = (await h.metrics.getSingleMetric("darkbloom_provider_frames_total")?.get())
        ?.values;
      return Object.fromEntries((values ?? []).map((v) => [String(v.labels.kind), v.value]));
    };
    const before = await kinds();
    expect((await infer(h, "m1")).text).to.equal("abc");
    const after = await kinds();
    expect((after.chunk ?? 0) - (before.chunk ?? 0)).to.equal(3);
    expect((after.complete ?? 0) - (before.complete ?? 0)).to.equal(1);
    expect(before.register).to.equal(1);
  });

  it("fails only the request whose chunks arrive out of order", async () => {
    await fake(["m1"], (n) =>
      n === 0 ? { pieces: ["a", "b"], sequences: [0, 5] } : { pieces: ["ok"] },
    );
    const broken = await infer(h, "m1");
    expect(broken.last?.kind.case).to.equal("error");
    expect((await infer(h, "m1")).text).to.equal("ok");
  });

  it("ends an in-flight request with a 502 error event when its provider drops", async () => {
    const p = await fake(["m1"], () => ({ pieces: ["partial"], complete: false }));
    const pending = infer(h, "m1");
    await p.waitFor("inferenceRequest");
    await new Promise((r) => setTimeout(r, 50));
    p.kill();
    const { text, last } = await pending;
    expect(text).to.equal("partial");
    expect(last?.kind.case).to.equal("error");
    expect(last?.kind.case === "error" && last.kind.value.statusCode).to.equal(502);
  });

  it("sends the provider a cancel when the consumer goes away", async () => {
    const p = await fake(["m1"], () => ({ pieces: ["x"], complete: false }));
    const abort = new AbortController();
    const pending = infer(h, "m1", abort.signal).catch((e: unknown) => e);
    await p.waitFor("inferenceRequest");
    abort.abort();
    await pending;
    const cancel = await p.waitFor("cancel");
    expect(cancel.kind.case === "cancel" && cancel.kind.value.requestId).to.match(/^r-/);
  });

  it("refuses a reservation for a model nobody serves", async () => {
    await fake(["m1"]);
    const err = await h.client.reserve({ requestId: "x", metadata: { model: "other" } }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(err?.code).to.equal(Code.NotFound);
    expect(err?.rawMessage).to.match(/no provider serves model other/);
  });
});

async function waitUntil(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
