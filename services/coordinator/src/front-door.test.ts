// The coordinator's one HTTP front door, on a real coordinator: every service's routes sit in the
// edge's one table, no two answer the same method + path, and a body over its route class's limit
// is a counted 413 with an OpenAI error body whichever service owns the route.
import { conflicts, BODY_TOO_LARGE_METRIC } from "@darkbloom/edge";
import { createLogger } from "@darkbloom/telemetry";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { expect } from "chai";
import { startCoordinator, type Coordinator } from "./compose.js";
import { loadConfig } from "./config.js";

describe("the coordinator's HTTP front door", function () {
  this.timeout(60_000);
  let db: TestDatabase | undefined;
  let coordinator: Coordinator | undefined;
  const c = (): Coordinator => {
    if (!coordinator) throw new Error("before hook did not run");
    return coordinator;
  };

  before(async () => {
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
  });
  after(async () => {
    await coordinator?.close();
    await db?.stop();
  });

  it("registers every service's HTTP routes in one table with no two answering the same method + path", () => {
    const routes = c().routes;
    expect(conflicts(routes)).to.deep.equal([]);
    const paths = new Set(routes.map((r) => r.path));
    for (const path of [
      "/v1/chat/completions", // edge: inference
      "/v1/messages",
      "/v1/responses",
      "/v1/keys", // edge: account
      "/v1/admin/accounts", // edge: admin
      "/v1/stats",
      "/openapi.json",
      "/v1/device/code", // auth: device code
      "/v1/auth/session", // auth: console sign-in
      "/v1/releases", // releases
      "/v1/admin/models",
      "/install.sh",
      "/v1/enroll/{}", // attestation: MDM enrollment
      "/v1/mdm/checkin",
      "/console/*", // console files
      "/device",
    ])
      expect(paths, path).to.include(path);
  });

  it("refuses an oversized body on any service's route with a 413 OpenAI error, counted by route class", async () => {
    const cases: [string, string, number, string][] = [
      ["/v1/device/code", "application/x-www-form-urlencoded", 16 * 1024, "oauth-form"],
      ["/v1/mdm/checkin", "application/xml", 64 * 1024, "mdm-checkin"],
      ["/v1/releases", "application/json", 1024 * 1024, "upload"],
    ];
    for (const [path, type, limit, routeClass] of cases) {
      const res = await fetch(`${c().url}${path}`, {
        method: "POST",
        // releases reads a body only from an admin (the CI token or an admin key)
        headers: { "content-type": type, authorization: `Bearer ${c().bootstrapKey ?? ""}` },
        body: "x".repeat(limit + 1),
      });
      expect(res.status, path).to.equal(413);
      expect(await res.json(), path).to.deep.equal({
        error: {
          message: `request body exceeds ${limit} bytes`,
          type: "invalid_request_error",
          param: null,
          code: "request_too_large",
        },
      });
      const metrics = await (await fetch(`${c().metricsUrl}/metrics`)).text();
      expect(metrics, routeClass).to.contain(
        `${BODY_TOO_LARGE_METRIC}{route_class="${routeClass}"} 1`,
      );
    }
  });
});
