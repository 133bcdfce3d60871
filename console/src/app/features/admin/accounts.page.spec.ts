import { TestBed } from "@angular/core/testing";
import AccountsPage from "./accounts.page";
import { adminTestBed, cells, el, settle, submit, type } from "./testing/admin-test-bed";

const account = (over: Record<string, unknown> = {}) => ({
  object: "account",
  id: "0b6c7f2e-0000-4000-8000-000000000001",
  name: "Ada",
  role: "consumer",
  created: 1_767_225_600,
  available_micro_usd: 2_500_000,
  held_micro_usd: 10_000,
  earned_micro_usd: 0,
  ...over,
});

describe("AccountsPage", () => {
  afterEach(() => sessionStorage.clear());

  it("lists accounts with balances and filters by role", async () => {
    const http = adminTestBed();
    const fixture = TestBed.createComponent(AccountsPage);
    http.expectOne("/v1/admin/accounts").flush({
      object: "list",
      data: [
        account(),
        account({
          id: "x2",
          name: "Mac farm",
          role: "provider",
          earned_micro_usd: 9_000_000,
          available_micro_usd: 0,
          held_micro_usd: 0,
        }),
      ],
    });
    await settle(fixture);
    const root = el(fixture);
    expect(cells(root, "accounts").map((r) => r.slice(1, 5))).toEqual([
      ["consumer", "$2.50", "$0.01", "$0.00"],
      ["provider", "$0.00", "$0.00", "$9.00"],
    ]);
    type(root, "#acct-filter", "provider", "change");
    http.expectOne("/v1/admin/accounts?role=provider").flush({ object: "list", data: [] });
    await settle(fixture);
    expect(cells(root, "accounts")).toEqual([["No accounts."]]);
    http.verify();
  });

  it("creates an account and shows its first key once", async () => {
    const http = adminTestBed();
    const fixture = TestBed.createComponent(AccountsPage);
    http.expectOne("/v1/admin/accounts").flush({ object: "list", data: [] });
    await settle(fixture);
    const root = el(fixture);
    type(root, "#acct-name", "Grace");
    type(root, "#acct-role", "provider", "change");
    submit(root);
    const post = http.expectOne({ method: "POST", url: "/v1/admin/accounts" });
    expect(post.request.body).toEqual({ name: "Grace", role: "provider" });
    post.flush({
      id: "n1",
      name: "Grace",
      role: "provider",
      api_key: { id: "k1", key: "db-first-key", prefix: "db-firs" },
    });
    await settle(fixture);
    http
      .expectOne("/v1/admin/accounts")
      .flush({ object: "list", data: [account({ name: "Grace" })] });
    await settle(fixture);
    expect((root.querySelector("#acct-key") as HTMLInputElement).value).toBe("db-first-key");
    [...root.querySelectorAll("button")].find((b) => b.textContent?.trim() === "Done")?.click();
    await settle(fixture);
    expect(root.querySelector('[data-testid="created-account"]')).toBeNull();
  });
});
