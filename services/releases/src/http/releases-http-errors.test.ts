import { Code, ConnectError } from "@connectrpc/connect";
import { serveRoutes, type ServedRoutes } from "@darkbloom/edge/testing";
import { startTestDatabase, type TestDatabase } from "@darkbloom/testing";
import { expect } from "chai";
import { RELEASES_MIGRATIONS } from "../index.js";
import { createReleasesRoutes } from "./releases-http.js";

// The releases routes answer with the HTTP surface's one error table (libs/http-errors): the
// same status for the same internal code as the OpenAI edge.
describe("releases HTTP errors", () => {
  let db: TestDatabase;
  let served: ServedRoutes;
  let base: string;
  let authenticateError: ConnectError | null = null;

  before(async () => {
    db = await startTestDatabase({ migrations: [RELEASES_MIGRATIONS] });
    const routes = createReleasesRoutes({
      pool: db.pool,
      authenticate: () =>
        authenticateError
          ? Promise.reject(authenticateError)
          : Promise.resolve({ role: "admin", scopes: ["admin"] }),
      releaseToken: "",
    });
    served = await serveRoutes(routes);
    base = served.base;
  });
  after(async () => {
    await served.close();
    await db.stop();
  });

  it("maps ResourceExhausted to 429 rate_limit_error with Retry-After, as the edge does (was 413)", async () => {
    authenticateError = new ConnectError("too many attempts", Code.ResourceExhausted, {
      "retry-after": "3",
    });
    try {
      const res = await fetch(`${base}/v1/admin/models`, {
        headers: { authorization: "Bearer some-key" },
      });
      expect(res.status).to.equal(429);
      expect(res.headers.get("retry-after")).to.equal("3");
      const body = (await res.json()) as { error: Record<string, unknown> };
      expect(body.error).to.include({ type: "rate_limit_error", code: "rate_limited" });
      expect(body.error).to.have.keys(["message", "type", "param", "code"]);
    } finally {
      authenticateError = null;
    }
  });

  it("answers a body over its 1 MiB limit with 413 request_too_large", async () => {
    const res = await fetch(`${base}/v1/admin/models`, {
      method: "POST",
      headers: { authorization: "Bearer some-key", "content-type": "application/json" },
      body: JSON.stringify({ pad: "x".repeat(1024 * 1024 + 1) }),
    });
    expect(res.status).to.equal(413);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).to.include({ type: "invalid_request_error", code: "request_too_large" });
  });

  it("answers an unknown model with 404 not_found", async () => {
    const res = await fetch(`${base}/v1/models/nope/manifest`);
    expect(res.status).to.equal(404);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).to.include({ type: "invalid_request_error", code: "not_found" });
  });
});
