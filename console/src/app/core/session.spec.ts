import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { SESSION_STORAGE_KEY, SessionService, SignInError, safeNext } from "./session";

describe("SessionService (API-key sign-in and the cookie session)", () => {
  let http: HttpTestingController;

  beforeEach(() => {
    sessionStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => http.verify());

  it("checks the key with GET /v1/me and keeps it in sessionStorage, never a cookie", async () => {
    const session = TestBed.inject(SessionService);
    const signedIn = session.signInWithApiKey("  sk-test-123 ");
    const req = http.expectOne("/v1/me");
    expect(req.request.headers.get("authorization")).toBe("Bearer sk-test-123");
    req.flush({ id: "acct-1", name: "ops", role: "provider" });
    const s = await signedIn;
    expect(s).toEqual({
      kind: "api-key",
      accountId: "acct-1",
      name: "ops",
      role: "provider",
      apiKey: "sk-test-123",
      csrfToken: "",
    });
    expect(session.signedIn()).toBe(true);
    expect(JSON.parse(sessionStorage.getItem(SESSION_STORAGE_KEY) ?? "null")?.apiKey).toBe(
      "sk-test-123",
    );
    expect(document.cookie).not.toContain("sk-test-123");
    expect(session.authHeaders()).toEqual({ authorization: "Bearer sk-test-123" });
  });

  it("refuses a key the coordinator rejects, and keeps nothing", async () => {
    const session = TestBed.inject(SessionService);
    const signedIn = session.signInWithApiKey("sk-bad");
    http
      .expectOne("/v1/me")
      .flush({ error: { message: "invalid key" } }, { status: 401, statusText: "Unauthorized" });
    await expect(signedIn).rejects.toBeInstanceOf(SignInError);
    await expect(signedIn).rejects.toThrow("not valid");
    expect(session.signedIn()).toBe(false);
    expect(sessionStorage.getItem(SESSION_STORAGE_KEY)).toBeNull();
  });

  it("refuses an empty key without asking the coordinator", async () => {
    const session = TestBed.inject(SessionService);
    await expect(session.signInWithApiKey("   ")).rejects.toThrow("Enter an API key");
    http.expectNone("/v1/me");
  });

  it("restores the tab's session on reload and forgets it on sign-out", () => {
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({ kind: "api-key", accountId: "a", name: "n", role: "admin", apiKey: "k" }),
    );
    const session = TestBed.inject(SessionService);
    expect(session.role()).toBe("admin");
    session.signOut();
    expect(session.signedIn()).toBe(false);
    expect(sessionStorage.getItem(SESSION_STORAGE_KEY)).toBeNull();
    expect(session.authHeaders()).toEqual({});
  });

  it("restores a cookie session from GET /v1/auth/session and sends its CSRF token, not a key", async () => {
    const session = TestBed.inject(SessionService);
    const restored = session.restore();
    http.expectOne("/v1/auth/session").flush({
      account: { id: "acct-9", name: "Carol", role: "consumer" },
      csrf_token: "csrf-abc",
    });
    expect(await restored).toMatchObject({ kind: "cookie", name: "Carol", role: "consumer" });
    expect(session.authHeaders()).toEqual({ "x-csrf-token": "csrf-abc" });
    // nothing of a cookie session is kept by the page itself
    expect(sessionStorage.getItem(SESSION_STORAGE_KEY)).toBeNull();
    // asked once
    await session.restore();
    http.expectNone("/v1/auth/session");
  });

  it("is signed out when the coordinator has no session for this browser", async () => {
    const session = TestBed.inject(SessionService);
    const restored = session.restore();
    http
      .expectOne("/v1/auth/session")
      .flush({ error: { code: "no_session" } }, { status: 401, statusText: "Unauthorized" });
    expect(await restored).toBeNull();
    expect(session.signedIn()).toBe(false);
  });

  it("signs a cookie session out on the coordinator with the CSRF token", async () => {
    const session = TestBed.inject(SessionService);
    const restored = session.restore();
    http.expectOne("/v1/auth/session").flush({
      account: { id: "a", name: "n", role: "admin" },
      csrf_token: "csrf-xyz",
    });
    await restored;
    const out = session.signOut();
    const req = http.expectOne("/v1/auth/sign-out");
    expect(req.request.method).toBe("POST");
    expect(req.request.headers.get("x-csrf-token")).toBe("csrf-xyz");
    req.flush({ signed_out: true });
    await out;
    expect(session.signedIn()).toBe(false);
    expect(session.authHeaders()).toEqual({});
  });

  it("builds the sign-in URL with only a console path to return to, and the codes", () => {
    const session = TestBed.inject(SessionService);
    expect(session.oidcStartUrl("/keys", { invite: " inv-1 ", referral: "" })).toBe(
      "/v1/auth/oidc/start?next=%2Fkeys&invite=inv-1",
    );
    expect(session.oidcStartUrl("//evil.example")).toBe("/v1/auth/oidc/start?next=%2F");
    expect(safeNext("/\\evil")).toBe("/");
  });
});
