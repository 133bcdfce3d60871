import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { ActivatedRoute, convertToParamMap } from "@angular/router";
import { SESSION_STORAGE_KEY } from "../../core/session";
import type { PayoutBalance } from "../operator/operator-api";
import PayoutsPage, { OPEN_ONBOARDING } from "./payouts.page";

const balance = (connect: PayoutBalance["connect"]): PayoutBalance => ({
  earnings_micro_usd: 12_345_678,
  pending_micro_usd: 0,
  minimum_micro_usd: 1_000_000,
  withdrawable_micro_usd: 11_345_678,
  connect,
});

describe("PayoutsPage", () => {
  let http: HttpTestingController;
  let opened: string[];
  const flush = async (fixture: { whenStable(): Promise<unknown> }) => {
    await new Promise((r) => setTimeout(r, 0));
    await fixture.whenStable();
  };
  const setup = (connect: PayoutBalance["connect"], query: Record<string, string> = {}) => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: OPEN_ONBOARDING, useValue: (url: string) => opened.push(url) },
        {
          provide: ActivatedRoute,
          useValue: { snapshot: { queryParamMap: convertToParamMap(query) } },
        },
      ],
    });
    http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(PayoutsPage);
    http.expectOne("/v1/billing/payouts").flush(balance(connect));
    http.expectOne("/v1/billing/payouts/history").flush({
      object: "list",
      data: [
        {
          object: "payout",
          id: "po_1",
          amount_micro_usd: 5_000_000,
          status: "paid",
          stripe_transfer_id: "tr_1",
          created: 1_700_000_000,
        },
      ],
    });
    return fixture;
  };
  const text = (root: HTMLElement, id: string) =>
    root.querySelector(`[data-testid="${id}"]`)?.textContent?.trim();

  beforeEach(() => {
    opened = [];
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({
        kind: "api-key",
        accountId: "op",
        name: "n",
        role: "provider",
        apiKey: "k",
      }),
    );
  });
  afterEach(() => {
    http.verify();
    sessionStorage.clear();
  });

  it("shows the withdrawable balance and the payout history", async () => {
    const fixture = setup(null);
    await flush(fixture);
    const root = fixture.nativeElement as HTMLElement;
    expect(text(root, "payouts-withdrawable")).toBe("$11.35");
    expect(text(root, "payouts-earnings")).toBe("$12.35");
    const row = [...root.querySelectorAll("tbody tr th, tbody tr td")].map((c) =>
      c.textContent?.trim(),
    );
    expect(row.slice(1)).toEqual(["$5.00", "Paid", "tr_1"]);
    expect(root.querySelector("#withdraw-amount")).toBeNull(); // no Stripe account yet
  });

  it("starts Stripe Connect onboarding and goes to Stripe's page", async () => {
    const fixture = setup(null);
    await flush(fixture);
    const root = fixture.nativeElement as HTMLElement;
    const button = [...root.querySelectorAll("button")].find((b) =>
      b.textContent?.includes("Set up payouts"),
    );
    button?.click();
    const post = http.expectOne({ method: "POST", url: "/v1/billing/connect/onboard" });
    expect(post.request.headers.get("authorization")).toBe("Bearer k");
    post.flush({ stripe_account_id: "acct_1", payouts_enabled: false, url: "https://stripe/x" });
    await flush(fixture);
    expect(opened).toEqual(["https://stripe/x"]);
  });

  it("offers to continue an unfinished onboarding, and says so on return", async () => {
    const fixture = setup(
      { stripe_account_id: "acct_1", payouts_enabled: false },
      { onboarding: "returned" },
    );
    await flush(fixture);
    const root = fixture.nativeElement as HTMLElement;
    expect(text(root, "onboarding-returned")).toContain("Back from Stripe");
    expect(text(root, "connect-state")).toContain("not ready");
    expect(root.textContent).toContain("Continue onboarding");
  });

  it("withdraws to a ready account, refusing more than the withdrawable balance", async () => {
    const fixture = setup({ stripe_account_id: "acct_1", payouts_enabled: true });
    await flush(fixture);
    const root = fixture.nativeElement as HTMLElement;
    const input = root.querySelector("#withdraw-amount") as HTMLInputElement;
    expect(input.value).toBe("11.34");
    const form = root.querySelector("form") as HTMLFormElement;
    input.value = "20";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await flush(fixture);
    expect(root.querySelector("#withdraw-error")?.textContent).toContain("up to $11.35");
    http.expectNone({ method: "POST", url: "/v1/billing/payouts" });
    input.value = "10";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    const post = http.expectOne({ method: "POST", url: "/v1/billing/payouts" });
    expect(post.request.body).toEqual({ amount_micro_usd: 10_000_000 });
    post.flush({ object: "payout", id: "po_2", amount_micro_usd: 10_000_000, status: "paid" });
    await flush(fixture);
    // reloaded after the payout
    http
      .expectOne("/v1/billing/payouts")
      .flush(balance({ stripe_account_id: "acct_1", payouts_enabled: true }));
    http.expectOne("/v1/billing/payouts/history").flush({ data: [] });
    await flush(fixture);
  });
});
