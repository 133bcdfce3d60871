import { provideHttpClient } from "@angular/common/http";
import { TestBed } from "@angular/core/testing";
import { Router, UrlTree, type Route, type UrlSegment } from "@angular/router";
import { requireRole, requireSignIn } from "./auth.guard";
import { SESSION_STORAGE_KEY } from "./session";

const segments = (path: string): UrlSegment[] =>
  path.split("/").map((p) => ({ path: p, parameters: {} }) as UrlSegment);

function run(guard: typeof requireSignIn, role: string | null, path: string): boolean | string {
  sessionStorage.clear();
  if (role)
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({ kind: "api-key", accountId: "a", name: "n", role, apiKey: "k" }),
    );
  TestBed.resetTestingModule();
  TestBed.configureTestingModule({ providers: [provideHttpClient()] });
  const result = TestBed.runInInjectionContext(() => guard({} as Route, segments(path)));
  if (result instanceof UrlTree) return TestBed.inject(Router).serializeUrl(result);
  return result as boolean;
}

describe("route guards", () => {
  afterEach(() => sessionStorage.clear());

  it("sends a signed-out visitor to sign-in and back", () => {
    expect(run(requireSignIn, null, "keys")).toBe("/sign-in?next=%2Fkeys");
    expect(run(requireSignIn, "consumer", "keys")).toBe(true);
  });

  it("lets only the named roles in", () => {
    const admin = requireRole("admin");
    expect(run(admin, "admin", "admin/fleet")).toBe(true);
    expect(run(admin, "consumer", "admin/fleet")).toBe("/");
    expect(run(admin, null, "admin/fleet")).toBe("/sign-in?next=%2Fadmin%2Ffleet");
    expect(run(requireRole("provider", "admin"), "provider", "machines")).toBe(true);
  });
});
