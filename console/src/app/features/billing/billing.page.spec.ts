import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { ActivatedRoute, convertToParamMap } from "@angular/router";
import { SESSION_STORAGE_KEY } from "../../core/session";
import { depositCents } from "./billing-api";
import BillingPage, { OPEN_CHECKOUT } from "./billing.page";

describe("BillingPage", () => {
  let http: HttpTestingController;
  let opened: string[];
  const flush = async (fixture: { whenStable(): Promise<unknown> }) => {
    await new Promise((r) => setTimeout(r, 0));
    await fixture.whenStable();
  };
  const setup = (query: Record<string, string> = {}) => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: OPEN_CHECKOUT, useValue: (url: string) => opened.push(url) },
        {
          provide: ActivatedRoute,
          useValue: { snapshot: { queryParamMap: convertToParamMap(query) } },
        },
      ],
    });
    http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(BillingPage);
    http.expectOne("/v1/me").flush({
      id: "a",
      balance: {
        balance_micro_usd: 7_500_000,
        held_micro_usd: 500_000,
        available_micro_usd: 7_000_000,
      },
    });
    http.expectOne("/v1/billing/history").flush({
      object: "list",
      data: [
        {
          kind: "deposit",
          status: "pending",
          amount_micro_usd: 5_000_000,
          description: "Stripe Checkout deposit",
          created: 1_700_000_100,
          checkout_session_id: "cs_2",
        },
        {
          kind: "credit",
          status: "credited",
          amount_micro_usd: 2_500_000,
          description: "invite credit",
          created: 1_700_000_000,
          checkout_session_id: null,
        },
      ],
      has_more: false,
      next_cursor: null,
    });
    return fixture;
  };

  beforeEach(() => {
    opened = [];
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({ kind: "api-key", accountId: "a", name: "n", role: "consumer", apiKey: "k" }),
    );
  });
  afterEach(() => {
    http.verify();
    sessionStorage.clear();
  });

  it("shows the balance and the history of deposits and credits", async () => {
    const fixture = setup();
    await flush(fixture);
    const root = fixture.nativeElement as HTMLElement;
    const figure = (id: string) => root.querySelector(`[data-testid="${id}"]`)?.textContent?.trim();
    expect([figure("balance-total"), figure("balance-available"), figure("balance-held")]).toEqual([
      "$7.50",
      "$7.00",
      "$0.50",
    ]);
    const rows = [...root.querySelectorAll("tbody tr")].map((r) =>
      [...r.querySelectorAll("th, td")].slice(1).map((c) => c.textContent?.trim()),
    );
    expect(rows).toEqual([
      ["Stripe Checkout deposit", "$5.00", "Not paid"],
      ["invite credit", "$2.50", "Credited"],
    ]);
  });

  it("creates a Checkout Session for the amount and goes to its page", async () => {
    const fixture = setup();
    await flush(fixture);
    const root = fixture.nativeElement as HTMLElement;
    (root.querySelector("#deposit-amount") as HTMLInputElement).value = "12.5";
    (root.querySelector("form") as HTMLFormElement).dispatchEvent(
      new Event("submit", { cancelable: true }),
    );
    const post = http.expectOne({ method: "POST", url: "/v1/billing/checkout" });
    expect(post.request.body).toEqual({ amount_micro_usd: 12_500_000 });
    expect(post.request.headers.get("authorization")).toBe("Bearer k");
    post.flush({ object: "checkout_session", id: "cs_1", url: "https://checkout.example/cs_1" });
    await flush(fixture);
    expect(opened).toEqual(["https://checkout.example/cs_1"]);
  });

  it("refuses amounts Stripe Checkout would refuse, before asking", async () => {
    const fixture = setup();
    await flush(fixture);
    const root = fixture.nativeElement as HTMLElement;
    (root.querySelector("#deposit-amount") as HTMLInputElement).value = "0.50";
    (root.querySelector("form") as HTMLFormElement).dispatchEvent(
      new Event("submit", { cancelable: true }),
    );
    await flush(fixture);
    expect(root.querySelector("#deposit-error")?.textContent).toContain("$1 to $10,000");
    http.expectNone("/v1/billing/checkout");
    expect(depositCents("$20")).toBe(2000);
    expect(depositCents("10000.00")).toBe(1_000_000);
    expect(depositCents("10000.01")).toBeNull();
    expect(depositCents("1.234")).toBeNull();
    expect(depositCents("abc")).toBeNull();
  });

  it("says so when Checkout sent the payer back", async () => {
    const fixture = setup({ checkout: "success" });
    await flush(fixture);
    const root = fixture.nativeElement as HTMLElement;
    expect(root.querySelector('[data-testid="checkout-returned"]')?.textContent).toContain(
      "confirming",
    );
  });
});
