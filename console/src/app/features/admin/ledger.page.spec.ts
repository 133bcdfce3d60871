import { TestBed } from "@angular/core/testing";
import LedgerPage from "./ledger.page";
import { adminTestBed, cells, el, settle, text } from "./testing/admin-test-bed";

const overview = (net: number) => ({
  object: "ledger_overview",
  balances: [
    { kind: "consumer", accounts: 3, balance_micro_usd: 7_500_000 },
    { kind: "hold", accounts: 1, balance_micro_usd: 500_000 },
    { kind: "platform:stripe_clearing", accounts: 1, balance_micro_usd: -8_000_000 + net },
  ],
  net_micro_usd: net,
  open_holds: 1,
  last_24h: {
    settlements: 42,
    charged_micro_usd: 1_000_000,
    provider_credit_micro_usd: 950_000,
    platform_fee_micro_usd: 50_000,
    credited_micro_usd: 8_000_000,
  },
});

describe("LedgerPage", () => {
  afterEach(() => sessionStorage.clear());

  it("shows the balances by kind, the last day's flows, and that the ledger balances", async () => {
    const http = adminTestBed();
    const fixture = TestBed.createComponent(LedgerPage);
    const req = http.expectOne("/v1/admin/ledger");
    expect(req.request.headers.get("authorization")).toBe("Bearer k");
    req.flush(overview(0));
    await settle(fixture);
    const root = el(fixture);
    expect(text(root.querySelector('[data-testid="ledger-net"]') as Node)).toContain("Balanced");
    expect(text(root.querySelector('[data-testid="ledger-24h"]') as Node)).toBe(
      "Requests settled 42 Charged $1.00 To providers $0.95 Platform fee $0.05 Credited $8.00 Open holds 1",
    );
    expect(cells(root, "ledger-balances")).toEqual([
      ["Consumer wallets", "3", "$7.50"],
      ["Held for running requests", "1", "$0.50"],
      ["Stripe clearing (deposits in)", "1", "-$8.00"],
    ]);
    http.verify();
  });

  it("warns when the balances do not sum to zero", async () => {
    const http = adminTestBed();
    const fixture = TestBed.createComponent(LedgerPage);
    http.expectOne("/v1/admin/ledger").flush(overview(12));
    await settle(fixture);
    const net = el(fixture).querySelector('[data-testid="ledger-net"]');
    expect(net?.classList.contains("error")).toBe(true);
    expect(net?.textContent).toContain("Out of balance by $0.0000");
  });

  it("shows the server's refusal", async () => {
    const http = adminTestBed();
    const fixture = TestBed.createComponent(LedgerPage);
    http
      .expectOne("/v1/admin/ledger")
      .flush(
        { error: { message: "this route needs an admin account's key" } },
        { status: 403, statusText: "Forbidden" },
      );
    await settle(fixture);
    expect(el(fixture).querySelector('[role="alert"]')?.textContent).toContain("admin account");
  });
});
