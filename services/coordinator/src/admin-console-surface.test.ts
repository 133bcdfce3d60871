// The Connect calls the admin console makes (fleet, warm-pool policy, traffic), against a real
// coordinator on an embedded Postgres, with a fake provider speaking the real protocol.
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { createAccount, createApiKey } from "@darkbloom/auth";
import { RoutingService, ThermalState, TrafficService } from "@darkbloom/proto";
import { createLogger } from "@darkbloom/telemetry";
import { FakeProvider, startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { expect } from "chai";
import { PROVIDER_WS_PATH, startCoordinator, type Coordinator } from "./compose.js";
import { loadConfig } from "./config.js";

const MODEL = "fake-model-7b";

const bearer =
  (key: string): Interceptor =>
  (next) =>
  (req) => {
    req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };

async function codeOf(call: Promise<unknown>): Promise<Code> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error).code;
  }
  throw new Error("the call succeeded; an error was expected");
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("condition not reached");
}

describe("admin console APIs (fleet, warm pools, traffic, accounts, invites, ledger)", function () {
  this.timeout(60_000);

  let db: TestDatabase;
  let coordinator: Coordinator;
  let provider: FakeProvider;
  let adminKey: string;
  let consumerKey: string;
  const clients = (key?: string) => {
    const transport = createConnectTransport({
      baseUrl: coordinator.url,
      httpVersion: "1.1",
      interceptors: key ? [bearer(key)] : [],
    });
    return {
      routing: createClient(RoutingService, transport),
      traffic: createClient(TrafficService, transport),
    };
  };

  before(async function () {
    db = await startTestDatabase();
    coordinator = await startCoordinator(
      loadConfig({
        DARKBLOOM_PORT: "0",
        DARKBLOOM_METRICS_PORT: "0",
        DARKBLOOM_SECURITY_MODE: "development",
        DATABASE_URL: db.url,
      }),
      createLogger({ level: "error" }),
    );
    if (!coordinator.bootstrapKey) throw new Error("a fresh database must yield a bootstrap key");
    adminKey = coordinator.bootstrapKey;
    const consumer = await createAccount(db.pool, "admin-console consumer", "consumer");
    consumerKey = (await createApiKey(db.pool, consumer.id, "admin-console")).key;
    provider = new FakeProvider({
      url: `${coordinator.url.replace(/^http/, "ws")}${PROVIDER_WS_PATH}`,
      models: [MODEL],
    });
    await provider.connect();
  });

  after(async function () {
    await provider?.close();
    await coordinator?.close();
    await db?.stop();
  });

  it("lists each provider with its last heartbeat (slots, memory, thermal) and benchmarks", async function () {
    provider.send({
      case: "heartbeat",
      value: {
        thermal: ThermalState.FAIR,
        memory: { activeGb: 12, totalGb: 64 },
        slots: [{ modelId: MODEL, running: 1, waiting: 2 }],
      },
    });
    const { routing } = clients(adminKey);
    const { providers } = await until(
      () => routing.listProviders({}),
      (r) => r.providers[0]?.heartbeat?.thermal === ThermalState.FAIR,
    );
    const p = providers[0];
    expect(p?.providerId).to.equal(provider.providerId);
    expect(p?.ownerReplicaId).to.equal("local");
    expect(p?.heartbeat?.memory?.totalGb).to.equal(64);
    expect(p?.heartbeat?.slots.map((s) => [s.modelId, s.running, s.waiting])).to.deep.equal([
      [MODEL, 1, 2],
    ]);
  });

  it("stores the warm-pool policy and reads it back on GetWarmPoolPolicy", async function () {
    const { routing } = clients(adminKey);
    expect((await routing.getWarmPoolPolicy({})).targets).to.deep.equal([]);
    await routing.setWarmPoolPolicy({
      targets: [
        {
          model: "b-model",
          minWarmProviders: 0,
          maxWarmProviders: 3,
          targetUtilizationPercent: 80,
        },
        { model: MODEL, minWarmProviders: 1, maxWarmProviders: 2, maxLoadsPerMinute: 4 },
      ],
    });
    const { targets } = await routing.getWarmPoolPolicy({});
    expect(
      targets.map((t) => [
        t.model,
        t.minWarmProviders,
        t.maxWarmProviders,
        t.targetUtilizationPercent,
        t.maxLoadsPerMinute,
      ]),
    ).to.deep.equal([
      ["b-model", 0, 3, 80, 0],
      [MODEL, 1, 2, 0, 4],
    ]);
  });

  it("counts inference requests per interval, with client errors, on GetTraffic", async function () {
    const { traffic } = clients(adminKey);
    const before = (await traffic.getTraffic({})).intervals;
    const total = (xs: typeof before, f: (i: (typeof before)[number]) => number) =>
      xs.reduce((n, i) => n + f(i), 0);
    const ok = await fetch(`${coordinator.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(ok.status).to.equal(200);
    await ok.text();
    const bad = await fetch(`${coordinator.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(bad.status).to.equal(400);
    await bad.text();
    const after = await traffic.getTraffic({});
    expect(after.intervalMs).to.equal(10_000);
    expect(after.replicaId).to.equal("local");
    expect(total(after.intervals, (i) => i.requests) - total(before, (i) => i.requests)).to.equal(
      2,
    );
    expect(
      total(after.intervals, (i) => i.clientErrors) - total(before, (i) => i.clientErrors),
    ).to.equal(1);
    expect(Math.max(...after.intervals.map((i) => i.ttftP50Ms))).to.be.greaterThan(0);
    const starts = after.intervals.map((i) => Number(i.startMs));
    expect(starts.every((s, k) => k === 0 || s - (starts[k - 1] ?? 0) === 10_000)).to.equal(true);
  });

  const get = async (path: string, key?: string) => {
    const res = await fetch(`${coordinator.url}${path}`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("lists accounts newest first with their balances, and by role", async function () {
    const all = await get("/v1/admin/accounts", adminKey);
    expect(all.status).to.equal(200);
    const data = all.body["data"] as { name: string; role: string; available_micro_usd: number }[];
    expect(data.map((a) => [a.name, a.role])).to.deep.include([
      "admin-console consumer",
      "consumer",
    ]);
    const admin = data.find((a) => a.role === "admin");
    expect(admin?.available_micro_usd).to.be.greaterThan(0);
    const consumers = await get("/v1/admin/accounts?role=consumer", adminKey);
    expect((consumers.body["data"] as { role: string }[]).map((a) => a.role)).to.deep.equal([
      "consumer",
    ]);
    expect((await get("/v1/admin/accounts?role=king", adminKey)).status).to.equal(400);
  });

  it("lists invite codes with their uses", async function () {
    const created = await fetch(`${coordinator.url}/v1/admin/invites`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ code: "console-admin-1", credit_micro_usd: 5_000_000, max_uses: 3 }),
    });
    expect(created.status).to.equal(201);
    await created.text();
    const { body } = await get("/v1/admin/invites", adminKey);
    expect(body["data"]).to.deep.include.members([
      {
        object: "invite",
        code: "console-admin-1",
        credit_micro_usd: 5_000_000,
        max_uses: 3,
        uses: 0,
        created_by: (body["data"] as { created_by: string }[])[0]?.created_by,
        created: (body["data"] as { created: number }[])[0]?.created,
      },
    ]);
  });

  it("summarises the ledger: balances by kind summing to zero, the last day's credits", async function () {
    const { status, body } = await get("/v1/admin/ledger", adminKey);
    expect(status).to.equal(200);
    expect(body["net_micro_usd"]).to.equal(0);
    const kinds = (body["balances"] as { kind: string }[]).map((b) => b.kind);
    expect(kinds).to.include.members(["consumer", "platform:stripe_clearing"]);
    const last = body["last_24h"] as { credited_micro_usd: number };
    expect(last.credited_micro_usd).to.be.at.least(10_000_000); // the bootstrap credit
  });

  it("answers the admin HTTP views to an admin only", async function () {
    for (const path of ["/v1/admin/accounts", "/v1/admin/invites", "/v1/admin/ledger"]) {
      expect((await get(path)).status, path).to.equal(401);
      expect((await get(path, consumerKey)).status, path).to.equal(403);
    }
  });

  it("answers these calls to an admin only", async function () {
    const anonymous = clients();
    const consumer = clients(consumerKey);
    expect(await codeOf(anonymous.traffic.getTraffic({}))).to.equal(Code.Unauthenticated);
    expect(await codeOf(anonymous.routing.getWarmPoolPolicy({}))).to.equal(Code.Unauthenticated);
    expect(await codeOf(consumer.traffic.getTraffic({}))).to.equal(Code.PermissionDenied);
    expect(await codeOf(consumer.routing.getWarmPoolPolicy({}))).to.equal(Code.PermissionDenied);
    expect(await codeOf(consumer.routing.listProviders({}))).to.equal(Code.PermissionDenied);
    expect(await codeOf(consumer.routing.setWarmPoolPolicy({ targets: [] }))).to.equal(
      Code.PermissionDenied,
    );
  });
});
