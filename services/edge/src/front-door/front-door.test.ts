import type { HttpRoute } from "@darkbloom/http-body";
import { HttpError } from "@darkbloom/http-errors";
import type { Registry } from "@darkbloom/telemetry";
import { expect } from "chai";
import { serveRoutes } from "../testing/serve-routes.js";
import { bodyLimits } from "./body-limits.js";
import { BODY_TOO_LARGE_METRIC } from "./front-door.js";
import { RouteTable, conflicts } from "./route-table.js";

const named = (
  name: string,
  path: string,
  methods: HttpRoute["methods"] = ["GET"],
  routeClass: HttpRoute["routeClass"] = "none",
): HttpRoute => ({
  methods,
  path,
  routeClass,
  handle: ({ res, params, readBody }) =>
    (routeClass === "none" ? Promise.resolve(Buffer.alloc(0)) : readBody()).then((body) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ name, params, bytes: body.length }));
    }),
});

describe("the front door's route table", () => {
  const routes = [
    named("catch-all", "/v1/*", ["GET", "POST"]),
    named("usage", "/v1/usage/{}"),
    named("summary", "/v1/usage/summary"),
    named("manifest", "/v1/models/{}/manifest"),
    named("capacity", "/v1/models/capacity"),
    named("keys", "/v1/keys"),
    named("create key", "/v1/keys", ["POST"]),
    named("console", "/console/*", ["GET", "HEAD"]),
  ];
  const answer = (table: RouteTable, method: string, path: string) => {
    const found = table.lookup(method, path);
    return found?.kind === "route" ? found.route.path : found;
  };

  it("answers with the most specific pattern, whatever the order routes are listed in", () => {
    const cases: [string, string, unknown][] = [
      ["GET", "/v1/usage/summary", "/v1/usage/summary"],
      ["GET", "/v1/usage/req-1", "/v1/usage/{}"],
      ["GET", "/v1/models/capacity", "/v1/models/capacity"],
      ["GET", "/v1/models/m-1/manifest", "/v1/models/{}/manifest"],
      ["GET", "/v1/models/m-1/other", "/v1/*"],
      ["POST", "/v1/keys", "/v1/keys"],
      // not a literal route's path (a trailing slash): the patterns decide
      ["GET", "/v1/keys/", "/v1/*"],
      ["GET", "/v1/usage/summary/", "/v1/*"],
      ["GET", "/v1/", "/v1/*"],
      ["GET", "/console/a/b.js", "/console/*"],
      ["GET", "/console", undefined],
      ["GET", "/darkbloom.v1.RoutingService/ListModels", undefined],
    ];
    for (const order of [
      routes,
      [...routes].reverse(),
      [...routes.slice(3), ...routes.slice(0, 3)],
    ]) {
      const table = new RouteTable(order);
      for (const [method, path, expected] of cases)
        expect(answer(table, method, path), `${method} ${path}`).to.deep.equal(expected);
    }
  });

  it("says which methods a path takes instead of falling through to a less specific route", () => {
    const table = new RouteTable(routes);
    expect(table.lookup("DELETE", "/v1/keys")).to.deep.equal({
      kind: "method",
      allow: ["GET", "POST"],
    });
  });

  it("refuses two routes that answer the same method and path (conflicts() names them)", () => {
    const twice = [
      named("a", "/v1/releases", ["POST"]),
      named("b", "/v1/releases", ["GET", "POST"]),
    ];
    expect(conflicts(twice).map(([a, b]) => [a.path, b.path])).to.deep.equal([
      ["/v1/releases", "/v1/releases"],
    ]);
    expect(() => new RouteTable(twice)).to.throw(/two routes answer/);
    expect(conflicts(routes)).to.deep.equal([]);
  });
});

describe("the front door over HTTP", () => {
  const limits = { ...bodyLimits(1024), "oauth-form": 16 };
  const metricValue = async (registry: Registry, label: string) =>
    (await registry.getSingleMetric(BODY_TOO_LARGE_METRIC)?.get())?.values.find(
      (v) => v.labels["route_class"] === label,
    )?.value ?? 0;

  it("reads a body within its route class's limit and refuses a larger one with a counted 413", async () => {
    const served = await serveRoutes(
      [
        named("form", "/v1/device/code", ["POST"], "oauth-form"),
        named("json", "/v1/keys", ["POST"], "account"),
      ],
      limits,
    );
    try {
      const post = (path: string, body: string, chunked = false) =>
        fetch(`${served.base}${path}`, {
          method: "POST",
          body: chunked
            ? new ReadableStream({
                start(c) {
                  c.enqueue(new TextEncoder().encode(body));
                  c.close();
                },
              })
            : body,
          ...(chunked ? { duplex: "half" } : {}),
        });
      const ok = await post("/v1/device/code", "x".repeat(16));
      expect(await ok.json()).to.deep.include({ name: "form", bytes: 16 });
      for (const chunked of [false, true]) {
        const refused = await post("/v1/device/code", "x".repeat(17), chunked);
        expect(refused.status).to.equal(413);
        expect(await refused.json()).to.deep.equal({
          error: {
            message: "request body exceeds 16 bytes",
            type: "invalid_request_error",
            param: null,
            code: "request_too_large",
          },
        });
      }
      // the account class has its own limit
      expect((await post("/v1/keys", "x".repeat(17))).status).to.equal(200);
      expect((await post("/v1/keys", "x".repeat(1025))).status).to.equal(413);
      expect(await metricValue(served.metrics, "oauth-form")).to.equal(2);
      expect(await metricValue(served.metrics, "account")).to.equal(1);
    } finally {
      await served.close();
    }
  });

  it("answers a path served with another method with 405, Allow and an OpenAI error body", async () => {
    const served = await serveRoutes([named("keys", "/v1/keys"), named("k", "/v1/keys", ["POST"])]);
    try {
      const res = await fetch(`${served.base}/v1/keys`, { method: "PUT" });
      expect(res.status).to.equal(405);
      expect(res.headers.get("allow")).to.equal("GET, POST");
      expect(await res.json()).to.deep.include({
        error: {
          message: "/v1/keys accepts GET, POST",
          type: "invalid_request_error",
          param: null,
          code: "method_not_allowed",
        },
      });
    } finally {
      await served.close();
    }
  });

  it("maps what a handler throws through the one error table", async () => {
    const boom: HttpRoute = {
      methods: ["GET"],
      path: "/boom",
      routeClass: "none",
      handle: () => Promise.reject(new Error("db password is hunter2")),
    };
    const early: HttpRoute = {
      methods: ["GET"],
      path: "/early",
      routeClass: "none",
      // throws before it returns a promise: still a mapped answer, never an escaped error
      handle: () => {
        throw new HttpError(400, "invalid_request_error", "bad_host", "the Host header is bad");
      },
    };
    const errors: unknown[] = [];
    const served = await serveRoutes([boom, early], undefined, (e) => errors.push(e));
    try {
      const refused = await fetch(`${served.base}/early`);
      expect(refused.status).to.equal(400);
      expect(await refused.json()).to.deep.include({
        error: {
          message: "the Host header is bad",
          type: "invalid_request_error",
          param: null,
          code: "bad_host",
        },
      });
      const res = await fetch(`${served.base}/boom`);
      expect(res.status).to.equal(500);
      expect(await res.json()).to.deep.equal({
        error: {
          message: "internal error",
          type: "server_error",
          param: null,
          code: "internal_error",
        },
      });
      expect(errors).to.have.length(1);
    } finally {
      await served.close();
    }
  });
});
