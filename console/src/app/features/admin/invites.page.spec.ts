import { TestBed } from "@angular/core/testing";
import InvitesPage from "./invites.page";
import { adminTestBed, cells, el, settle, submit, type } from "./testing/admin-test-bed";

describe("InvitesPage", () => {
  afterEach(() => sessionStorage.clear());

  it("lists invites with their uses and creates one with a credit in micro-USD", async () => {
    const http = adminTestBed();
    const fixture = TestBed.createComponent(InvitesPage);
    http.expectOne("/v1/admin/invites").flush({
      object: "list",
      data: [
        {
          code: "launch",
          credit_micro_usd: 5_000_000,
          max_uses: 10,
          uses: 3,
          created: 1_767_225_600,
        },
      ],
    });
    await settle(fixture);
    const root = el(fixture);
    expect(cells(root, "invites")[0]?.slice(0, 3)).toEqual(["launch", "$5.00", "3 of 10"]);
    type(root, "#inv-code", "friends-2");
    type(root, "#inv-credit", "2.5");
    type(root, "#inv-uses", "20");
    submit(root);
    const post = http.expectOne({ method: "POST", url: "/v1/admin/invites" });
    expect(post.request.body).toEqual({
      code: "friends-2",
      credit_micro_usd: 2_500_000,
      max_uses: 20,
    });
    post.flush({ code: "friends-2", credit_micro_usd: 2_500_000, max_uses: 20, uses: 0 });
    await settle(fixture);
    http.expectOne("/v1/admin/invites").flush({ object: "list", data: [] });
    await settle(fixture);
    expect(root.querySelector('[data-testid="created-invite"]')?.textContent).toContain(
      "friends-2",
    );
    http.verify();
  });

  it("refuses a zero credit or a malformed code without asking the server", async () => {
    const http = adminTestBed();
    const fixture = TestBed.createComponent(InvitesPage);
    http.expectOne("/v1/admin/invites").flush({ object: "list", data: [] });
    await settle(fixture);
    const root = el(fixture);
    type(root, "#inv-credit", "0");
    submit(root);
    await settle(fixture);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain("above zero");
    type(root, "#inv-credit", "1");
    type(root, "#inv-code", "a b");
    submit(root);
    await settle(fixture);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain("4 to 64");
    http.expectNone({ method: "POST" });
  });
});
