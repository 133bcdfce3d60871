import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { SESSION_STORAGE_KEY } from "../../core/session";
import KeysPage from "./keys.page";

const key = (over: Record<string, unknown> = {}) => ({
  object: "api_key",
  id: "k1",
  name: "first key",
  prefix: "db-abcd",
  scopes: ["inference", "account:read", "account:write"],
  created: 1_700_000_000,
  last_used: null,
  revoked: null,
  rpm_limit: null,
  tpm_limit: null,
  budget_micro_usd: null,
  budget_period: "month",
  ...over,
});

describe("KeysPage", () => {
  let http: HttpTestingController;
  const el = (fixture: { nativeElement: unknown }) => fixture.nativeElement as HTMLElement;
  const flush = async (fixture: { whenStable(): Promise<unknown> }) => {
    await new Promise((r) => setTimeout(r, 0));
    await fixture.whenStable();
  };

  beforeEach(() => {
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({ kind: "api-key", accountId: "a", name: "n", role: "consumer", apiKey: "k" }),
    );
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => {
    http.verify();
    sessionStorage.clear();
  });

  it("lists the account's keys with their limits and state", async () => {
    const fixture = TestBed.createComponent(KeysPage);
    const list = http.expectOne("/v1/keys");
    expect(list.request.headers.get("authorization")).toBe("Bearer k");
    list.flush({
      object: "list",
      data: [
        key({ rpm_limit: 10, budget_micro_usd: 5_000_000, budget_period: "day" }),
        key({ id: "k2", name: "old", revoked: 1_700_000_100, last_used: 1_700_000_050 }),
      ],
    });
    await flush(fixture);
    const rows = [...el(fixture).querySelectorAll("tbody tr")].map((r) =>
      [...r.querySelectorAll("th, td")].map((c) => c.textContent?.trim()),
    );
    expect(rows[0]?.slice(0, 4)).toEqual([
      "first key",
      "db-abcd…",
      "inference, account:read, account:write",
      "10 req/min, $5.00/day",
    ]);
    expect(rows[0]?.[5]).toBe("Revoke");
    expect(rows[1]?.[5]).toBe("Revoked");
  });

  it("creates a key with scopes and limits and shows its secret once", async () => {
    const fixture = TestBed.createComponent(KeysPage);
    http.expectOne("/v1/keys").flush({ object: "list", data: [] });
    await flush(fixture);
    const root = el(fixture);
    (root.querySelector("#key-name") as HTMLInputElement).value = "ci";
    (root.querySelector('input[value="account:read"]') as HTMLInputElement).checked = true;
    (root.querySelector("#key-rpm") as HTMLInputElement).value = "30";
    (root.querySelector("#key-budget") as HTMLInputElement).value = "2.5";
    (root.querySelector("form") as HTMLFormElement).dispatchEvent(
      new Event("submit", { cancelable: true }),
    );
    const post = http.expectOne({ method: "POST", url: "/v1/keys" });
    expect(post.request.body).toEqual({
      name: "ci",
      scopes: ["inference", "account:read"],
      rpm_limit: 30,
      tpm_limit: null,
      budget_micro_usd: 2_500_000,
      budget_period: "month",
    });
    post.flush({ id: "k9", key: "db-secret-once", prefix: "db-secr", name: "ci", scopes: [] });
    await flush(fixture);
    http.expectOne("/v1/keys").flush({ object: "list", data: [key({ id: "k9", name: "ci" })] });
    await flush(fixture);
    const secret = root.querySelector('[data-testid="new-key-secret"]') as HTMLInputElement;
    expect(secret.value).toBe("db-secret-once");
    // "Done" hides it for good: the page keeps no copy
    [...root.querySelectorAll("button")].find((b) => b.textContent?.trim() === "Done")?.click();
    await flush(fixture);
    expect(root.querySelector('[data-testid="created-key"]')).toBeNull();
    expect(root.textContent).not.toContain("db-secret-once");
  });

  it("refuses a nameless key or one without scopes without asking the server", async () => {
    const fixture = TestBed.createComponent(KeysPage);
    http.expectOne("/v1/keys").flush({ object: "list", data: [] });
    await flush(fixture);
    const root = el(fixture);
    (root.querySelector("#key-name") as HTMLInputElement).value = "x";
    (root.querySelector('input[value="inference"]') as HTMLInputElement).checked = false;
    (root.querySelector("form") as HTMLFormElement).dispatchEvent(
      new Event("submit", { cancelable: true }),
    );
    await flush(fixture);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain("at least one scope");
    http.expectNone("/v1/keys");
  });

  it("revokes after a confirmation and shows the server's refusal", async () => {
    const fixture = TestBed.createComponent(KeysPage);
    http.expectOne("/v1/keys").flush({ object: "list", data: [key()] });
    await flush(fixture);
    const root = el(fixture);
    (root.querySelector('button[aria-label="Revoke first key"]') as HTMLButtonElement).click();
    await flush(fixture);
    [...root.querySelectorAll("button")]
      .find((b) => b.textContent?.trim() === "Yes, revoke")
      ?.click();
    http
      .expectOne({ method: "DELETE", url: "/v1/keys/k1" })
      .flush(
        { error: { message: "api key k1 not found or already revoked" } },
        { status: 404, statusText: "Not Found" },
      );
    await flush(fixture);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain("already revoked");
  });
});
