import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { SESSION_STORAGE_KEY } from "../../core/session";
import { usageCsv, type UsageGroup } from "./usage-api";
import UsagePage from "./usage.page";

const group = (over: Partial<UsageGroup>): UsageGroup => ({
  api_key_id: "k1",
  api_key_name: "laptop",
  api_key_prefix: "db-lapt",
  model: "small",
  requests: 2,
  prompt_tokens: 30,
  completion_tokens: 12,
  cost_micro_usd: 1_500,
  ...over,
});

describe("UsagePage", () => {
  let http: HttpTestingController;
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

  it("shows totals, a bar per day and the table by key and model, and pages on", async () => {
    const fixture = TestBed.createComponent(UsagePage);
    const req = http.expectOne((r) => r.url === "/v1/usage/summary");
    expect(req.request.headers.get("authorization")).toBe("Bearer k");
    const since = Number(req.request.params.get("since"));
    expect(Math.abs(Date.now() / 1000 - 30 * 86_400 - since)).toBeLessThan(60);
    req.flush({
      since,
      until: since + 30 * 86_400,
      totals: { requests: 3, prompt_tokens: 40, completion_tokens: 20, cost_micro_usd: 2_500_000 },
      data: [group({}), group({ api_key_id: null, api_key_name: null, model: "big" })],
      days: [
        {
          day: since - (since % 86_400) + 86_400,
          requests: 1,
          prompt_tokens: 1,
          completion_tokens: 1,
          cost_micro_usd: 1,
        },
        {
          day: since - (since % 86_400) + 2 * 86_400,
          requests: 2,
          prompt_tokens: 1,
          completion_tokens: 1,
          cost_micro_usd: 2,
        },
      ],
      has_more: true,
      next_cursor: "2",
    });
    await flush(fixture);
    const root = fixture.nativeElement as HTMLElement;
    expect(root.querySelector('[data-testid="usage-cost"]')?.textContent?.trim()).toBe("$2.50");
    expect(root.querySelectorAll('[data-testid="usage-chart"] rect').length).toBe(2);
    const rows = () =>
      [...root.querySelectorAll("tbody tr")].map((r) =>
        [...r.querySelectorAll("th, td")].map((c) => c.textContent?.trim()),
      );
    expect(rows()).toEqual([
      ["laptop", "small", "2", "30", "12", "$0.0015"],
      ["Console session", "big", "2", "30", "12", "$0.0015"],
    ]);

    [...root.querySelectorAll("button")].find((b) => b.textContent?.includes("Show more"))?.click();
    const page2 = http.expectOne((r) => r.url === "/v1/usage/summary");
    expect(page2.request.params.get("after")).toBe("2");
    page2.flush({
      since,
      until: since,
      totals: { requests: 0, prompt_tokens: 0, completion_tokens: 0, cost_micro_usd: 0 },
      data: [group({ model: "third" })],
      days: [],
      has_more: false,
      next_cursor: null,
    });
    await flush(fixture);
    expect(rows().map((r) => r[1])).toEqual(["small", "big", "third"]);
    expect(
      [...root.querySelectorAll("button")].some((b) => b.textContent?.includes("Show more")),
    ).toBe(false);
  });

  it("writes RFC 4180 CSV and defuses spreadsheet formulas", () => {
    const csv = usageCsv([
      group({ api_key_name: '=HYPERLINK("x")', cost_micro_usd: 1_234_567 }),
      group({ api_key_id: null, model: "a,b" }),
    ]);
    expect(csv.split("\r\n")).toEqual([
      "api_key_id,api_key,model,requests,prompt_tokens,completion_tokens,cost_usd",
      `k1,"'=HYPERLINK(""x"")",small,2,30,12,1.234567`,
      ',Console session,"a,b",2,30,12,0.001500',
      "",
    ]);
  });
});
