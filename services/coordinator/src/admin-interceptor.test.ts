import { expect } from "chai";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import type { Principal, SessionCheck, SessionRequest } from "@darkbloom/auth";
import { ReleaseService } from "@darkbloom/proto";
import { requireAdmin } from "./admin-interceptor.js";

const ADMIN: Principal = { accountId: "a", keyId: "k", role: "admin", scopes: ["admin"] };
const CONSUMER: Principal = { accountId: "c", keyId: "k", role: "consumer", scopes: ["inference"] };

/** Sessions as the cookie names them: "admin", "consumer", "stale"; the CSRF token is "t". */
function sessions(request: SessionRequest): Promise<SessionCheck> {
  const name = /darkbloom_session=(\w+)/.exec(request.cookie ?? "")?.[1];
  if (name === undefined) return Promise.resolve({ kind: "none" });
  if (name === "stale") return Promise.resolve({ kind: "invalid" });
  if (request.csrfToken !== "t") return Promise.resolve({ kind: "csrf" });
  const principal = name === "admin" ? ADMIN : CONSUMER;
  return Promise.resolve({ kind: "ok", principal, name, csrfToken: "t", expiresAtMs: 0 });
}

describe("requireAdmin (the Connect services over the network)", () => {
  const call = async (headers: Record<string, string>): Promise<Code | "ok"> => {
    const transport = createRouterTransport(
      (router) => router.service(ReleaseService, { listReleases: () => ({ releases: [] }) }),
      {
        router: {
          interceptors: [
            requireAdmin((key) => Promise.resolve(key === "admin-key" ? ADMIN : null), sessions),
          ],
        },
      },
    );
    try {
      await createClient(ReleaseService, transport).listReleases({}, { headers });
      return "ok";
    } catch (error) {
      return ConnectError.from(error).code;
    }
  };

  it("serves an admin's console session that sends its CSRF token", async () => {
    expect(await call({ cookie: "darkbloom_session=admin", "x-csrf-token": "t" })).to.equal("ok");
  });

  it("refuses a consumer's session: PermissionDenied", async () => {
    expect(await call({ cookie: "darkbloom_session=consumer", "x-csrf-token": "t" })).to.equal(
      Code.PermissionDenied,
    );
  });

  it("refuses a session without the CSRF token, even an admin's: PermissionDenied", async () => {
    expect(await call({ cookie: "darkbloom_session=admin" })).to.equal(Code.PermissionDenied);
  });

  it("refuses a stale session and no credentials: Unauthenticated", async () => {
    expect(await call({ cookie: "darkbloom_session=stale", "x-csrf-token": "t" })).to.equal(
      Code.Unauthenticated,
    );
    expect(await call({})).to.equal(Code.Unauthenticated);
  });

  it("an Authorization header decides alone (the cookie is not read)", async () => {
    expect(
      await call({
        authorization: "Bearer wrong",
        cookie: "darkbloom_session=admin",
        "x-csrf-token": "t",
      }),
    ).to.equal(Code.Unauthenticated);
    expect(await call({ authorization: "Bearer admin-key" })).to.equal("ok");
  });
});
