import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { provideRouter } from "@angular/router";
import LandingPage, { STATS_REFRESH_MS } from "./landing.page";

const STATS = {
  generated_at: 1,
  providers_online: 3,
  trust_levels: { none: 1, software: 0, hardware: 1, hardware_mda: 1 },
  models: [
    { id: "tiny-llama", providers: 3, warm_slots: 2, running: 1, waiting: 0, estimated_wait_ms: 0 },
  ],
  tokens_served_today: { prompt: 1000, completion: 234, total: 1234, since: 0 },
};

describe("LandingPage", () => {
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        { provide: STATS_REFRESH_MS, useValue: 60_000 },
      ],
    });
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => http.verify());

  async function render() {
    const fixture = TestBed.createComponent(LandingPage);
    await new Promise((r) => setTimeout(r, 0)); // the stats timer's first tick
    return fixture;
  }

  it("shows the live stats and an earnings estimate from the real prices", async () => {
    const fixture = await render();
    http.expectOne("/v1/stats").flush(STATS);
    http.expectOne("/v1/pricing").flush({
      data: [
        {
          model: "*",
          input_micro_usd_per_million: 500_000,
          output_micro_usd_per_million: 1_500_000,
        },
      ],
    });
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const text = (id: string) => el.querySelector(`[data-testid="${id}"]`)?.textContent?.trim();
    expect(text("providers-online")).toBe("3");
    expect(text("models-served")).toBe("1");
    expect(text("tokens-today")).toBe("1.2K");
    expect(text("hardware-attested")).toBe("2");
    expect(el.querySelector('[data-testid="capacity"]')?.textContent).toContain("tiny-llama");
    expect(text("earnings")).toMatch(/About \$[\d,.]+ a month/);
    expect(fixture.nativeElement.querySelector("h1")?.textContent).toContain("Private inference");
  });

  it("says so when the stats cannot be loaded", async () => {
    const fixture = await render();
    http.expectOne("/v1/stats").flush("down", { status: 503, statusText: "Unavailable" });
    http.expectOne("/v1/pricing").flush({ data: [] });
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).textContent).toContain(
      "Live stats are unavailable",
    );
  });
});
