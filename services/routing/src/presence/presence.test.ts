import { create } from "@bufbuild/protobuf";
import { createPool, listenChannel, type DatabasePool } from "@darkbloom/db";
import {
  InferenceRequestSchema,
  ProviderFrameSchema,
  SlotState,
  type ForwardInferResponse,
} from "@darkbloom/proto";
import { createLogger } from "@darkbloom/telemetry";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { expect } from "chai";
import type { PeerAddress, PeerLink } from "../peers/peer-link.js";
import { RemoteProvider } from "../peers/remote-provider.js";
import { ProviderRegistry } from "../registry/provider-registry.js";
import { MemorySessions } from "../testing/memory-sessions.js";
import { Presence } from "./presence.js";
import { routingMigrations } from "./presence-migrations.js";
import {
  PRESENCE_CHANNEL,
  heartbeatReplica,
  loadLivePresence,
  sweepDeadReplicas,
  upsertProviders,
  type PresenceNotice,
} from "./presence-store.js";

const log = createLogger({ level: "error" });

/** Records what a replica would send its peers (no network in this test). */
class RecordingLink implements PeerLink {
  readonly frames: { peer: PeerAddress; providerId: string }[] = [];
  async *forward(): AsyncIterable<ForwardInferResponse> {
    await Promise.resolve();
    yield* [];
  }
  async *inferReserved(): AsyncIterable<never> {
    await Promise.resolve();
    yield* [];
  }
  sendFrame(peer: PeerAddress, providerId: string): Promise<boolean> {
    this.frames.push({ peer, providerId });
    return Promise.resolve(true);
  }
}

describe("Presence (two replicas on one Postgres)", function () {
  this.timeout(30_000);
  let db: TestDatabase | undefined;
  let second: DatabasePool | undefined;
  const sessions = new MemorySessions();
  const started: Presence[] = [];

  before(async () => {
    db = await startTestDatabase({ migrations: [routingMigrations] });
    second = await createPool(db.url, { maximumPoolSize: 4 });
  });
  afterEach(async () => {
    sessions.closeAll();
    await Promise.all(started.splice(0).map((p) => p.close()));
  });
  after(async () => {
    await second?.end();
    await db?.stop();
  });

  const replica = async (id: string, link: PeerLink = new RecordingLink()) => {
    if (!db || !second) throw new Error("before hook did not run");
    const registry = new ProviderRegistry();
    const presence = new Presence(
      { pool: id === "a" ? db.pool : second, databaseUrl: db.url, registry, link, log },
      { replicaId: id, heartbeatIntervalMs: 200, ttlMs: 1_000, flushIntervalMs: 20 },
    );
    started.push(presence);
    await presence.start(`http://${id}.test:1`);
    return { registry, presence };
  };
  const until = async (what: string, ok: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
    if (!ok()) throw new Error(`timed out waiting for ${what}`);
  };

  it("shows a provider registered on A in B's registry as a remote provider owned by A", async () => {
    const a = await replica("a");
    const b = await replica("b");
    const p = sessions.connect(
      { models: [{ id: "m1", templateOk: true }], hardware: { memoryGb: 64 } },
      a.registry,
    );
    await until("the provider on B", () => b.registry.get(p.session.id) !== undefined);
    const remote = b.registry.get(p.session.id);
    expect(remote).to.be.instanceOf(RemoteProvider);
    expect(remote?.ownerReplicaId).to.equal("a");
    expect(remote?.hasModel("m1")).to.equal(true);
    expect(remote?.register?.hardware?.memoryGb).to.equal(64);
    expect(b.presence.addressOf("a")).to.deep.equal({ replicaId: "a", url: "http://a.test:1" });
    // A's own provider is never a remote one on A.
    expect(a.registry.get(p.session.id)?.ownerReplicaId).to.equal("local");
  });

  it("carries a heartbeat's slots to B through LISTEN/NOTIFY, and the provider's leaving", async () => {
    const a = await replica("a");
    const b = await replica("b");
    const p = sessions.connect({ models: [{ id: "m1", templateOk: true }] }, a.registry);
    await until("the provider on B", () => b.registry.get(p.session.id) !== undefined);
    p.receive({
      case: "heartbeat",
      value: { slots: [{ modelId: "m1", state: SlotState.RUNNING, running: 3 }] },
    });
    await until(
      "the heartbeat on B",
      () => b.registry.get(p.session.id)?.heartbeat?.slots[0]?.running === 3,
    );
    p.session.close("test over");
    await until("the provider gone from B", () => b.registry.get(p.session.id) === undefined);
  });

  it("carries a provider's requests in flight to B as counts in the notice, without re-reading its row", async () => {
    if (!db) throw new Error("no db");
    const notices: PresenceNotice[] = [];
    const listener = await listenChannel(db.url, PRESENCE_CHANNEL, {
      onNotify: (payload) => notices.push(JSON.parse(payload) as PresenceNotice),
    });
    try {
      const a = await replica("a");
      const b = await replica("b");
      const p = sessions.connect({ models: [{ id: "m1", templateOk: true }] }, a.registry);
      await until("the provider on B", () => b.registry.get(p.session.id) !== undefined);
      const remote = b.registry.get(p.session.id);
      const request = create(InferenceRequestSchema, {
        requestId: "r1",
        metadata: { model: "m1", maxTokens: 4 },
      });
      p.session.dispatch(request);
      await until("one request in flight on B", () => remote?.inFlightCount === 1);
      expect(notices).to.deep.include({
        replicaId: "a",
        providerIds: [p.session.id],
        inFlight: [[p.session.id, 1]],
      });
      p.receive({
        case: "complete",
        value: { requestId: "r1", usage: { promptTokens: 1, completionTokens: 1 } },
      });
      await until("none in flight on B", () => remote?.inFlightCount === 0);
      // the same handle, updated in place; its row says so too (a full re-read agrees)
      expect(b.registry.get(p.session.id)).to.equal(remote);
      const [row] = await loadLivePresence(db.pool, "b", [p.session.id]);
      expect(row?.inFlight).to.equal(0);
    } finally {
      await listener.close();
    }
  });

  it("sends LoadModel for a remote provider through the link to its owner", async () => {
    const link = new RecordingLink();
    const a = await replica("a");
    const b = await replica("b", link);
    const p = sessions.connect({ models: [{ id: "m1", templateOk: true }] }, a.registry);
    await until("the provider on B", () => b.registry.get(p.session.id) !== undefined);
    b.registry
      .get(p.session.id)
      ?.send(
        create(ProviderFrameSchema, { kind: { case: "loadModel", value: { modelId: "m1" } } }),
      );
    await until("the frame", () => link.frames.length === 1);
    expect(link.frames[0]).to.deep.equal({
      peer: { replicaId: "a", url: "http://a.test:1" },
      providerId: p.session.id,
    });
  });

  it("drops a replica's providers on leavePresence, and a dead replica's once it expires", async () => {
    if (!db) throw new Error("no db");
    const a = await replica("a");
    const b = await replica("b");
    const p = sessions.connect({ models: [{ id: "m1", templateOk: true }] }, a.registry);
    await until("the provider on B", () => b.registry.get(p.session.id) !== undefined);
    await a.presence.leavePresence();
    await until("the provider gone from B", () => b.registry.get(p.session.id) === undefined);

    // A replica that stopped heartbeating (kill -9): its rows stop counting at expiry.
    await heartbeatReplica(db.pool, "dead", "http://dead.test:1", 60_000);
    await upsertProviders(db.pool, "dead", [
      {
        providerId: "p-dead",
        replicaId: "dead",
        register: new Uint8Array(),
        heartbeat: undefined,
        heartbeatAtMs: 0,
        registeredAtMs: 0,
        trustLevel: 0,
        routable: true,
        trustReason: "",
        fencedModels: [],
        lastAttestedAtMs: 0,
        operatorAccountId: "",
        inFlight: 0,
      },
    ]);
    expect((await loadLivePresence(db.pool, "b")).map((r) => r.providerId)).to.deep.equal([
      "p-dead",
    ]);
    await heartbeatReplica(db.pool, "dead", "http://dead.test:1", 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await loadLivePresence(db.pool, "b")).to.deep.equal([]);
    await sweepDeadReplicas(db.pool, 0);
  });
});
