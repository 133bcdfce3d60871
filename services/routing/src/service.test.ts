import { Code, ConnectError } from "@connectrpc/connect";
import { keyFingerprint } from "@darkbloom/crypto";
import { ThermalState, TrustLevel } from "@darkbloom/proto";
import { expect } from "chai";
import type { ProviderSession } from "./gateway/provider-session.js";
import { DEFAULT_HEDGE } from "./hedging/hedge-delay.js";
import { DEFAULT_ROUTER_OPTIONS } from "./router.js";
import {
  heartbeat,
  runRequest,
  startRoutingHarness,
  until,
  type RoutingHarness,
} from "./testing/routing-harness.js";

const GiB = 1024 ** 3;
const reserveReq = (maxQueueWaitMs = 0) => ({
  requestId: `q-${Math.random()}`,
  metadata: { model: "m", estimatedPromptTokens: 10, maxTokens: 8 },
  minTrust: TrustLevel.UNSPECIFIED,
  maxQueueWaitMs,
});
const queueDepth = async (h: RoutingHarness): Promise<number> =>
  (await h.client.getModelCapacity({})).models.find((m) => m.model === "m")?.queueDepth ?? 0;

describe("RoutingService", function () {
  this.timeout(10_000);
  let h: RoutingHarness;
  afterEach(async () => h.close());

  describe("admission and queue", () => {
    beforeEach(async () => {
      h = await startRoutingHarness({
        queue: { ...DEFAULT_ROUTER_OPTIONS.queue, maxDepthPerModel: 1 },
      });
    });

    it("queues a request that does not fit the KV budget and admits it when a heartbeat frees capacity", async () => {
      const p = await h.provider({ models: ["m"] });
      heartbeat(p, { potential: 100 });
      await until(() => h.registry.get(p.providerId)?.heartbeat !== undefined);
      const reserved = h.client.reserve(reserveReq());
      await until(async () => (await queueDepth(h)) === 1);
      heartbeat(p, { potential: 0 });
      expect((await reserved).providerId).to.equal(p.providerId);
      expect(await queueDepth(h)).to.equal(0);
    });

    it("answers ResourceExhausted with a retry-after at once when the expected wait exceeds what the client will bear", async () => {
      const p = await h.provider({ models: ["m"] });
      heartbeat(p, { potential: 100 });
      await until(() => h.registry.get(p.providerId)?.heartbeat !== undefined);
      const err = await h.client.reserve(reserveReq(100)).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(err?.code).to.equal(Code.ResourceExhausted);
      expect(Number(err?.metadata.get("retry-after"))).to.be.at.least(1);
      expect(await queueDepth(h)).to.equal(0);
    });

    it("answers ResourceExhausted when the model's queue is over its bound, and a caller that leaves the queue frees its place", async () => {
      const p = await h.provider({ models: ["m"] });
      heartbeat(p, { potential: 100 });
      await until(() => h.registry.get(p.providerId)?.heartbeat !== undefined);
      const abort = new AbortController();
      const first = h.client
        .reserve(reserveReq(), { signal: abort.signal })
        .catch((e: unknown) => ConnectError.from(e));
      await until(async () => (await queueDepth(h)) === 1);
      const err = await h.client.reserve(reserveReq()).catch((e: unknown) => ConnectError.from(e));
      expect(err).to.be.instanceOf(ConnectError);
      expect((err as ConnectError).code).to.equal(Code.ResourceExhausted);
      abort.abort();
      expect(await first).to.be.instanceOf(ConnectError);
      await until(async () => (await queueDepth(h)) === 0);
    });

    it("reports providers, warm slots, running sequences and queue depth per model", async () => {
      const p = await h.provider({ models: ["m"] });
      heartbeat(p, { running: 2 });
      await until(() => h.registry.get(p.providerId)?.heartbeat !== undefined);
      const m = (await h.client.getModelCapacity({})).models.find((x) => x.model === "m");
      expect(m).to.include({ providers: 1, warmSlots: 1, running: 2, queueDepth: 0 });
    });
  });

  describe("reservations", () => {
    beforeEach(async () => {
      h = await startRoutingHarness();
    });

    it("names each candidate's key fingerprint, the SHA-256 of that candidate's own key, on every reservation", async () => {
      const providers = [
        await h.provider({ models: ["m"] }),
        await h.provider({ models: ["m"] }),
        await h.provider({ models: ["m"] }),
      ];
      for (const p of providers) heartbeat(p, { potential: 0 });
      await until(() => providers.every((p) => h.registry.get(p.providerId)?.heartbeat));
      for (let i = 0; i < 3; i++) {
        const r = await h.client.reserve(reserveReq());
        const candidates = [r, ...r.alternates];
        expect(candidates).to.have.length(3);
        // a provider's id is its key's fingerprint (provider-session.ts)
        for (const c of candidates) {
          expect(c.keyFingerprint).to.equal(keyFingerprint(c.providerPublicKey));
          expect(c.keyFingerprint).to.equal(c.providerId);
        }
        expect(new Set(candidates.map((c) => c.keyFingerprint)).size).to.equal(3);
      }
    });
  });

  describe("relaying chunks", () => {
    it("passes the winner's chunks that arrive together as one chunks event, in order and metered", async () => {
      h = await startRoutingHarness();
      const pieces = Array.from({ length: 40 }, (_, i) => `p${i} `);
      // the fake sends all its chunks at once: they reach the coordinator in a read or a few
      const p = await h.provider({ models: ["m"], reply: () => ({ pieces }) });
      heartbeat(p);
      await until(() => h.registry.get(p.providerId)?.heartbeat !== undefined);
      const { text, events, received } = await runRequest(h.client, "m", { maxTokens: 64 });
      expect(text).to.equal(pieces.join(""));
      const batches = received.filter((e) => e.kind.case === "chunks");
      expect(batches.length).to.be.at.least(1);
      expect(received.length).to.be.below(events.length);
      const chunks = events.flatMap((e) => (e.kind.case === "chunk" ? [e.kind.value] : []));
      expect(chunks.map((c) => c.sequence)).to.deep.equal(pieces.map((_, i) => i));
      expect(chunks.every((c) => c.tokenCount === 1)).to.equal(true);
      const last = events.at(-1);
      expect(last?.kind.case === "complete" && last.kind.value.usage?.completionTokens).to.equal(
        40,
      );
    });
  });

  describe("hedging and provider loss", () => {
    const silent = { pieces: [], complete: false };

    it("sends a second copy when the first token is late; the first to answer wins and the loser is cancelled", async () => {
      h = await startRoutingHarness({
        hedge: { ...DEFAULT_HEDGE, minDelayMs: 30, unknownDelayMs: 30 },
      });
      const slow = await h.provider({ models: ["m"], reply: () => silent });
      const fast = await h.provider({ models: ["m"] });
      heartbeat(slow);
      heartbeat(fast, { thermal: ThermalState.SERIOUS });
      await until(() => h.registry.all().every((s) => s.heartbeat !== undefined));
      const { text, events } = await runRequest(h.client, "m");
      const started = events.filter((e) => e.kind.case === "started").map((e) => e.kind.value);
      expect(started[0]).to.include({ providerId: slow.providerId, attempt: 0 });
      expect(started.at(-1)).to.include({ providerId: fast.providerId, hedged: true, attempt: 1 });
      expect(text).to.equal("fake reply");
      await slow.waitFor("cancel");
      expect(events.at(-1)?.kind.case).to.equal("complete");
    });

    it("sends no hedge to a provider without room, and moves the request there when the first provider times out", async () => {
      h = await startRoutingHarness({
        hedge: { ...DEFAULT_HEDGE, minDelayMs: 150, unknownDelayMs: 150, firstTokenTimeoutMs: 600 },
      });
      const stuck = await h.provider({ models: ["m"], reply: () => silent });
      const full = await h.provider({ models: ["m"] });
      heartbeat(stuck);
      heartbeat(full, { thermal: ThermalState.SERIOUS });
      await until(() => h.registry.all().every((s) => s.heartbeat !== undefined));
      const run = runRequest(h.client, "m");
      await stuck.waitFor("inferenceRequest");
      heartbeat(full, { potential: 100, thermal: ThermalState.SERIOUS });
      const { text, events } = await run;
      const started = events.filter((e) => e.kind.case === "started").map((e) => e.kind.value);
      expect(started.at(-1)).to.include({ providerId: full.providerId, attempt: 1, hedged: false });
      expect(text).to.equal("fake reply");
      await stuck.waitFor("cancel");
    });

    it("re-dispatches a request whose provider disconnects before the first token", async () => {
      h = await startRoutingHarness({ hedge: { ...DEFAULT_HEDGE, enabled: false } });
      const doomed = await h.provider({ models: ["m"], reply: () => silent });
      const backup = await h.provider({ models: ["m"] });
      heartbeat(doomed);
      heartbeat(backup, { thermal: ThermalState.SERIOUS });
      await until(() => h.registry.all().every((s) => s.heartbeat !== undefined));
      const run = runRequest(h.client, "m");
      await doomed.waitFor("inferenceRequest");
      doomed.kill();
      const { text, events } = await run;
      const started = events.filter((e) => e.kind.case === "started").map((e) => e.kind.value);
      expect(started.at(-1)).to.include({ providerId: backup.providerId, attempt: 1 });
      expect(text).to.equal("fake reply");
    });
  });

  describe("a provider that moved (drain)", () => {
    const silent = { pieces: [], complete: false };
    it("runs a request again at the provider's new place when its old socket dies before the first token", async () => {
      h = await startRoutingHarness({ hedge: { ...DEFAULT_HEDGE, enabled: false } });
      const old = await h.provider({ models: ["m"], reply: () => silent });
      heartbeat(old);
      await until(() => h.registry.all().every((s) => s.heartbeat !== undefined));
      const run = runRequest(h.client, "m");
      await old.waitFor("inferenceRequest");
      // told to move (GoAway), then its old socket is gone before it answered
      const session = h.registry.get(old.providerId) as ProviderSession;
      session.goAway(0, 0, "draining");
      old.kill();
      // the same provider (same key, same id) registers again
      const moved = await h.provider({ models: ["m"], encryptionKeys: old.keys });
      expect(moved.providerId).to.equal(old.providerId);
      const { text, events } = await run;
      expect(text).to.equal("fake reply");
      const started = events.filter((e) => e.kind.case === "started").map((e) => e.kind.value);
      expect(started.at(-1)).to.include({ providerId: old.providerId, attempt: 1 });
    });

    it("fails a request whose provider crashed without being told to move (no waiting)", async () => {
      h = await startRoutingHarness({ hedge: { ...DEFAULT_HEDGE, enabled: false } });
      const doomed = await h.provider({ models: ["m"], reply: () => silent });
      heartbeat(doomed);
      await until(() => h.registry.all().every((s) => s.heartbeat !== undefined));
      const run = runRequest(h.client, "m");
      await doomed.waitFor("inferenceRequest");
      doomed.kill();
      const { events } = await run;
      const last = events.at(-1);
      expect(last?.kind.case === "error" && last.kind.value.statusCode).to.equal(502);
    });
  });

  describe("warm pool", () => {
    beforeEach(async () => {
      h = await startRoutingHarness();
    });

    it("loads a model on a provider to meet its target and reports it warm", async () => {
      const p = await h.provider({
        models: ["m"],
        memoryGb: 64,
        modelSizeBytes: BigInt(4 * GiB),
        loadModel: () => "loaded",
      });
      await h.client.setWarmPoolPolicy({ targets: [{ model: "m", minWarmProviders: 1 }] });
      await p.waitFor("loadModel");
      await until(async () => (await h.client.getWarmPoolStatus({})).models[0]?.warm === 1);
      const s = (await h.client.getWarmPoolStatus({})).models[0];
      expect(s).to.include({ model: "m", target: 1, warm: 1, loading: 0, failedLoads: 0 });
      expect(s?.warmProviderIds).to.deep.equal([p.providerId]);
    });

    it("counts a failed load, clears it from pending and does not retry it on that provider", async () => {
      const p = await h.provider({
        models: ["m"],
        memoryGb: 64,
        modelSizeBytes: BigInt(4 * GiB),
        loadModel: () => "failed",
      });
      await h.client.setWarmPoolPolicy({ targets: [{ model: "m", minWarmProviders: 1 }] });
      await until(async () => (await h.client.getWarmPoolStatus({})).models[0]?.failedLoads === 1);
      p.send({ case: "heartbeat", value: {} });
      await new Promise((r) => setTimeout(r, 50));
      expect(p.received.filter((f) => f.kind.case === "loadModel")).to.have.length(1);
      expect((await h.client.getWarmPoolStatus({})).models[0]).to.include({ warm: 0, loading: 0 });
    });

    it("starts no more loads a minute than max_loads_per_minute, and never warms above max", async () => {
      const fleet = await Promise.all(
        [0, 1, 2, 3].map(() =>
          h.provider({
            models: ["m"],
            memoryGb: 64,
            modelSizeBytes: BigInt(4 * GiB),
            loadModel: () => "failed",
          }),
        ),
      );
      const loads = () =>
        fleet.reduce((n, p) => n + p.received.filter((f) => f.kind.case === "loadModel").length, 0);
      // failed loads free their slot at once: only the per-minute budget stops more
      await h.client.setWarmPoolPolicy({
        targets: [{ model: "m", minWarmProviders: 4, maxWarmProviders: 3, maxLoadsPerMinute: 2 }],
      });
      await until(async () => (await h.client.getWarmPoolStatus({})).models[0]?.failedLoads === 2);
      for (const p of fleet) p.send({ case: "heartbeat", value: {} });
      await new Promise((r) => setTimeout(r, 100));
      expect(loads()).to.equal(2);
      expect((await h.client.getWarmPoolStatus({})).models[0]?.target).to.equal(3);
    });

    it("refuses a policy with a utilization above 100 % or an absurd count", async () => {
      for (const target of [
        { model: "m", minWarmProviders: 1, targetUtilizationPercent: 101 },
        { model: "m", minWarmProviders: 4_000_000_000 },
        { model: "", minWarmProviders: 1 },
      ]) {
        const err = await h.client
          .setWarmPoolPolicy({ targets: [target] })
          .catch((e: unknown) => e);
        expect(ConnectError.from(err).code, JSON.stringify(target)).to.equal(Code.InvalidArgument);
      }
    });

    it("never loads a model that breaks the provider's memory admission", async () => {
      const p = await h.provider({
        models: ["m"],
        memoryGb: 8,
        modelSizeBytes: BigInt(4 * GiB),
        loadModel: () => "loaded",
      });
      await h.client.setWarmPoolPolicy({ targets: [{ model: "m", minWarmProviders: 1 }] });
      p.send({ case: "heartbeat", value: {} });
      await new Promise((r) => setTimeout(r, 50));
      expect(p.received.some((f) => f.kind.case === "loadModel")).to.equal(false);
    });
  });
});
