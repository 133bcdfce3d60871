import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { Router, UrlTree, type Route, type UrlSegment } from "@angular/router";
import { requireRole, requireSignIn } from "./auth.guard";
import { SESSION_STORAGE_KEY } from "./session";

const segments = (path: string): UrlSegment[] =>
  path.split("/").map((p) => ({ path: p, parameters: {} }) as UrlSegment);

type Stored = { kind: "api-key"; role: string } | { kind: "cookie"; role: string } | null;

/** Runs the guard with a stored API-key session, a cookie session on the server, or neither. */
async function run(
  guard: typeof requireSignIn,
  who: Stored,
  path: string,
): Promise<boolean | string> {
  sessionStorage.clear();
  if (who?.kind === "api-key")
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({ kind: "api-key", accountId: "a", name: "n", role: who.role, apiKey: "k" }),
    );
  TestBed.resetTestingModule();
  TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
  const http = TestBed.inject(HttpTestingController);
  const pending = TestBed.runInInjectionContext(() =>
    guard({} as Route, segments(path)),
  ) as Promise<boolean | UrlTree>;
  if (who?.kind !== "api-key") {
    await Promise.resolve();
    const req = http.expectOne("/v1/auth/session");
    if (who?.kind === "cookie")
      req.flush({ account: { id: "a", name: "n", role: who.role }, csrf_token: "t" });
    else req.flush({}, { status: 401, statusText: "Unauthorized" });
  }
  const result = await pending;
  http.verify();
  if (result instanceof UrlTree) return TestBed.inject(Router).serializeUrl(result);
  return result;
}

describe("route guards", () => {
  afterEach(() => sessionStorage.clear());

  it("sends a signed-out visitor to sign-in and back", async () => {
    expect(await run(requireSignIn, null, "keys")).toBe("/sign-in?next=%2Fkeys");
    expect(await run(requireSignIn, { kind: "api-key", role: "consumer" }, "keys")).toBe(true);
    expect(await run(requireSignIn, { kind: "cookie", role: "consumer" }, "keys")).toBe(true);
  });

  it("lets only the named roles in, whichever kind of session", async () => {
    const admin = requireRole("admin");
    expect(await run(admin, { kind: "api-key", role: "admin" }, "admin/fleet")).toBe(true);
    expect(await run(admin, { kind: "cookie", role: "admin" }, "admin/fleet")).toBe(true);
    expect(await run(admin, { kind: "api-key", role: "consumer" }, "admin/fleet")).toBe("/");
    expect(await run(admin, { kind: "cookie", role: "consumer" }, "admin/fleet")).toBe("/");
    expect(await run(admin, null, "admin/fleet")).toBe("/sign-in?next=%2Fadmin%2Ffleet");
    const machines = requireRole("provider", "admin");
    expect(await run(machines, { kind: "cookie", role: "provider" }, "machines")).toBe(true);
  });
});
