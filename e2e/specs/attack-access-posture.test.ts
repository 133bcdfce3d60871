import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Code, ConnectError } from "@connectrpc/connect";
import { sql } from "@darkbloom/db";
import { z } from "zod";
import { ledgerAdminClient } from "../testbed/admin-client.js";
import { REPO_ROOT, spawnTs, type Spawned } from "../testbed/child-process.js";
import { startCluster, type Cluster } from "../testbed/cluster.js";
import { ensureTestModel } from "../testbed/test-model.js";
import { startCoordinator, type RunningCoordinator } from "../testbed/testbed.js";

interface Answer {
  status: number;
  retryAfter: string | undefined;
  json: Record<string, unknown> & {
    error?: { message: string; type: string; param: string | null; code: string | null };
  };
}

/** One request from a chosen loopback address (127.0.0.0/8 all reach the coordinator). */
function request(
  base: string,
  method: string,
  route: string,
  options: { key?: string; body?: unknown; from?: string } = {},
): Promise<Answer> {
  const payload = options.body === undefined ? "" : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${route}`,
      {
        method,
        agent: false,
        localAddress: options.from,
        headers: {
          "content-type": "application/json",
          ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (chunk: Buffer) => parts.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(parts).toString("utf8");
          let json: Answer["json"] = {};
          try {
            json = JSON.parse(text) as Answer["json"];
          } catch {
            json = { text };
          }
          const retry = res.headers["retry-after"];
          resolve({ status: res.statusCode ?? 0, retryAfter: retry, json });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

describe("attack: access posture of a coordinator (scopes, device codes, ids, metrics)", function () {
  this.timeout(180_000);
  let cluster: Cluster | undefined;
  const url = (): string => cluster?.coordinators[0]?.url ?? "";
  const admin = (): string => cluster?.adminKey ?? "";
  const newKey = async (scopes?: string[], key = admin()): Promise<string> => {
    const created = await request(url(), "POST", "/v1/keys", {
      key,
      body: { name: "scoped", ...(scopes ? { scopes } : {}) },
    });
    expect(created.status, JSON.stringify(created.json)).to.equal(201);
    return String(created.json["key"]);
  };

  before(async () => {
    cluster = await startCluster({
      env: {
        DARKBLOOM_DEVICE_CODES_PER_IP_PER_MINUTE: "10",
        DARKBLOOM_DEVICE_CODE_MAX_PENDING: "25",
      },
    });
  });
  after(async () => {
    await cluster?.stop();
  });

  describe("key scopes", () => {
    it("refuses admin routes to an inference-only key with a 403 naming the scope", async () => {
      const inference = await newKey(["inference"]);
      for (const [method, route, body] of [
        ["POST", "/v1/admin/accounts", { name: "mallory", role: "admin" }],
        [
          "PUT",
          "/v1/admin/prices/tiny",
          { input_micro_usd_per_million: 1, output_micro_usd_per_million: 1 },
        ],
        ["POST", "/v1/admin/invites", { credit_micro_usd: 1_000_000 }],
        [
          "PUT",
          "/v1/admin/payout-accounts/00000000-0000-4000-8000-000000000000",
          { stripe_account_id: "acct_1Test" },
        ],
      ] as const) {
        const answer = await request(url(), method, route, { key: inference, body });
        expect(answer.status, `${method} ${route}`).to.equal(403);
        expect(answer.json.error).to.include({
          type: "permission_error",
          code: "insufficient_scope",
        });
        expect(answer.json.error?.message).to.match(/'admin' scope/);
      }
      // nor the account's own endpoints: it holds neither account:read nor account:write
      expect((await request(url(), "GET", "/v1/me", { key: inference })).status).to.equal(403);
      // while the inference API answers it
      expect((await request(url(), "GET", "/v1/models", { key: inference })).status).to.equal(200);
    });

    it("refuses the admin Connect RPCs to a key without the admin scope, and serves an admin key", async () => {
      const accountKey = await newKey(["inference", "account:read", "account:write"]);
      const denied = await ledgerAdminClient(url(), accountKey)
        .getBalance({ accountId: "anyone" })
        .then(
          () => null,
          (err: unknown) => ConnectError.from(err),
        );
      expect(denied?.code).to.equal(Code.PermissionDenied);
      expect(denied?.rawMessage).to.match(/'admin' scope/);
      const served = await ledgerAdminClient(url(), admin()).getBalance({ accountId: "anyone" });
      expect(served.balanceMicroUsd).to.equal(0n);
      const created = await request(url(), "POST", "/v1/admin/accounts", {
        key: admin(),
        body: { name: "by-admin", role: "consumer" },
      });
      expect(created.status).to.equal(201);
    });

    it("gives a key made without scopes inference only, and refuses an empty or wider list", async () => {
      const defaulted = await request(url(), "POST", "/v1/keys", {
        key: admin(),
        body: { name: "no scopes given" },
      });
      expect(defaulted.json["scopes"]).to.deep.equal(["inference"]);
      const empty = await request(url(), "POST", "/v1/keys", {
        key: admin(),
        body: { name: "empty", scopes: [] },
      });
      expect(empty.status).to.equal(400);
      expect(empty.json.error).to.include({ param: "scopes" });
      const writer = await newKey(["inference", "account:write"]);
      const wider = await request(url(), "POST", "/v1/keys", {
        key: writer,
        body: { name: "escalate", scopes: ["inference", "admin"] },
      });
      expect(wider.status).to.equal(403);
      expect(wider.json.error?.message).to.match(/lacks: admin/);
      const narrower = await request(url(), "POST", "/v1/keys", {
        key: writer,
        body: { name: "fine", scopes: ["inference"] },
      });
      expect(narrower.status).to.equal(201);
    });
  });

  it("answers a device-code flood with 429 + Retry-After and keeps the table under its caps", async () => {
    const flood = async (from: string): Promise<Answer[]> =>
      Promise.all(
        Array.from({ length: 40 }, () => request(url(), "POST", "/v1/device/code", { from })),
      );
    const first = await flood("127.0.0.1");
    expect(first.filter((a) => a.status === 200)).to.have.length(10);
    const refused = first.filter((a) => a.status === 429);
    expect(refused).to.have.length(30);
    for (const r of refused) {
      expect(Number(r.retryAfter)).to.be.within(1, 60);
      expect(r.json).to.include({ error: "slow_down" });
    }
    // other addresses get their own share until the cap on pending codes (25) is reached
    const others = (await Promise.all(["127.0.0.2", "127.0.0.3", "127.0.0.4"].map(flood))).flat();
    expect(others.filter((a) => a.status === 200)).to.have.length(15);
    const rows = await cluster?.postgres.pool.oneFirst(
      sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM device_codes`,
    );
    expect(rows).to.equal(25);
  });

  it("validates the payout account id: 400 for a non-UUID, 404 for an unknown account", async () => {
    const body = { stripe_account_id: "acct_1Test" };
    const bad = await request(url(), "PUT", "/v1/admin/payout-accounts/not-a-uuid", {
      key: admin(),
      body,
    });
    expect(bad.status).to.equal(400);
    expect(bad.json.error).to.include({ type: "invalid_request_error", param: "account_id" });
    const unknown = await request(
      url(),
      "PUT",
      "/v1/admin/payout-accounts/00000000-0000-4000-8000-000000000000",
      { key: admin(), body },
    );
    expect(unknown.status).to.equal(404);
    const created = await request(url(), "POST", "/v1/admin/accounts", {
      key: admin(),
      body: { name: "payee", role: "provider" },
    });
    const ok = await request(
      url(),
      "PUT",
      `/v1/admin/payout-accounts/${String(created.json["id"])}`,
      {
        key: admin(),
        body,
      },
    );
    expect(ok.status).to.equal(200);
  });

  it("serves /metrics on its own listener only, never on the API port", async () => {
    const onApi = await fetch(`${url()}/metrics`);
    const text = await onApi.text();
    expect(onApi.status).to.equal(404);
    expect(text).to.not.include("process_resident_memory_bytes");
    const metricsUrl = cluster?.coordinators[0]?.metricsUrl ?? "";
    expect(metricsUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(metricsUrl).to.not.equal(url());
    const scraped = await fetch(`${metricsUrl}/metrics`);
    expect(scraped.status).to.equal(200);
    expect(await scraped.text()).to.include("process_resident_memory_bytes");
  });

  it("states a development posture loudly at startup", () => {
    const output = cluster?.coordinators[0]?.process.output() ?? "";
    expect(output).to.match(/Security posture: DEVELOPMENT/);
    expect(output).to.match(/provider tokens OFF, attestation OFF/);
  });
});

describe("attack: a loopback coordinator without an explicit posture", function () {
  this.timeout(180_000);
  let coordinator: RunningCoordinator | undefined;
  let provider: Spawned | undefined;
  let home = "";

  before(async () => {
    // loopback, as behind a reverse proxy, and no DARKBLOOM_SECURITY_MODE
    coordinator = await startCoordinator(
      { DARKBLOOM_HOST: "127.0.0.1" },
      { securityMode: "unset" },
    );
  });
  after(async () => {
    await provider?.stop();
    await coordinator?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("announces the production posture at startup", () => {
    const output = coordinator?.process.output() ?? "";
    expect(output).to.match(
      /Security posture: PRODUCTION \(DARKBLOOM_SECURITY_MODE=production: provider tokens required, attestation required\)/,
    );
  });

  it("refuses a provider without a provider token", async () => {
    home = await mkdtemp(path.join(tmpdir(), "darkbloom-untrusted-"));
    provider = spawnTs(
      path.join(REPO_ROOT, "provider/src/cli/main.ts"),
      ["start", "--coordinator", coordinator?.url ?? "", "--model", await ensureTestModel()],
      { DARKBLOOM_HOME: home, LOG_LEVEL: "warn" },
    );
    await provider.waitFor(/provider_token_required/, 60_000);
    const models = await request(coordinator?.url ?? "", "GET", "/v1/models", {
      key: coordinator?.apiKey ?? "",
    });
    const data = (models.json["data"] ?? []) as Array<{ available?: boolean }>;
    expect(data.filter((m) => m.available !== false)).to.deep.equal([]);
  });
});
