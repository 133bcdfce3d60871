import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import ModelsPage from "./models.page";

describe("ModelsPage", () => {
  it("lists served and priced models with their price and availability", async () => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    const http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(ModelsPage);
    http.expectOne("/v1/pricing").flush({
      data: [
        {
          model: "*",
          input_micro_usd_per_million: 500_000,
          output_micro_usd_per_million: 1_500_000,
        },
        {
          model: "big",
          input_micro_usd_per_million: 2_000_000,
          output_micro_usd_per_million: 6_000_000,
        },
      ],
    });
    http.expectOne("/v1/stats").flush({
      generated_at: 0,
      providers_online: 2,
      trust_levels: { none: 2, software: 0, hardware: 0, hardware_mda: 0 },
      models: [
        { id: "small", providers: 2, warm_slots: 0, running: 0, waiting: 0, estimated_wait_ms: 0 },
      ],
      tokens_served_today: null,
    });
    await fixture.whenStable();
    const rows = [...(fixture.nativeElement as HTMLElement).querySelectorAll("tbody tr")].map((r) =>
      [...r.querySelectorAll("th, td")].map((cell) => cell.textContent?.trim()),
    );
    expect(rows).toEqual([
      ["small", "$0.50", "$1.50", "Available · 2 providers"],
      ["big", "$2.00", "$6.00", "Not served now"],
    ]);
    http.verify();
  });

  it("shows no row, and so no missing price, until the prices have arrived too", async () => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    const http = TestBed.inject(HttpTestingController);
    const fixture = TestBed.createComponent(ModelsPage);
    const pricing = http.expectOne("/v1/pricing");
    http.expectOne("/v1/stats").flush({
      generated_at: 0,
      providers_online: 1,
      trust_levels: { none: 1, software: 0, hardware: 0, hardware_mda: 0 },
      models: [
        { id: "small", providers: 1, warm_slots: 0, running: 0, waiting: 0, estimated_wait_ms: 0 },
      ],
      tokens_served_today: null,
    });
    await fixture.whenStable();
    const body = (): string =>
      (fixture.nativeElement as HTMLElement).querySelector("tbody")?.textContent?.trim() ?? "";
    expect(body()).toBe("Loading…");
    pricing.flush({
      data: [{ model: "*", input_micro_usd_per_million: 500_000, output_micro_usd_per_million: 1 }],
    });
    await fixture.whenStable();
    expect(body()).toContain("$0.50");
    http.verify();
  });
});
