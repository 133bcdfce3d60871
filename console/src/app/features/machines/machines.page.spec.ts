import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { provideRouter } from "@angular/router";
import { SESSION_STORAGE_KEY } from "../../core/session";
import type { Machine } from "../operator/operator-api";
import MachinesPage from "./machines.page";

const machine = (over: Partial<Machine>): Machine => ({
  provider_id: "p1",
  online: true,
  version: "0.1.0",
  chip: "Apple M4 Max",
  memory_gb: 128,
  models: ["qwen3-8b"],
  trust: "hardware",
  routable: true,
  trust_reason: null,
  in_flight: 0,
  connected_at: 1_700_000_000,
  last_heartbeat_at: 1_700_000_010,
  requests: 3,
  prompt_tokens: 1_000,
  completion_tokens: 500,
  earned_micro_usd: 1_250_000,
  last_served_at: 1_700_000_005,
  ...over,
});

describe("MachinesPage", () => {
  let http: HttpTestingController;
  const flush = async (fixture: { whenStable(): Promise<unknown> }) => {
    await new Promise((r) => setTimeout(r, 0));
    await fixture.whenStable();
  };
  const setup = () => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    http = TestBed.inject(HttpTestingController);
    return TestBed.createComponent(MachinesPage);
  };
  const cells = (root: HTMLElement) =>
    [...root.querySelectorAll("tbody tr")].map((r) =>
      [...r.querySelectorAll("th, td")].map((c) => c.textContent?.replace(/\s+/g, " ").trim()),
    );

  beforeEach(() => {
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

  it("lists each machine's state, trust, models, tokens served and earnings, with totals", async () => {
    const fixture = setup();
    const req = http.expectOne("/v1/provider/machines");
    expect(req.request.headers.get("authorization")).toBe("Bearer k");
    req.flush({
      object: "list",
      data: [
        machine({}),
        machine({
          provider_id: "p2",
          online: false,
          chip: null,
          memory_gb: null,
          version: null,
          models: [],
          trust: null,
          routable: null,
          requests: 1,
          prompt_tokens: 10,
          completion_tokens: 5,
          earned_micro_usd: 250_000,
        }),
      ],
    });
    await flush(fixture);
    const root = fixture.nativeElement as HTMLElement;
    expect(cells(root)).toEqual([
      [
        "p1Apple M4 Max · 128 GB · v0.1.0",
        "Online",
        "Hardware attested",
        "qwen3-8b",
        "3",
        "1.5K",
        "$1.25",
      ],
      ["p2", "Offline", "—", "—", "1", "15", "$0.25"],
    ]);
    expect(root.querySelector('[data-testid="machines-online"]')?.textContent).toBe("1 of 2");
    expect(root.querySelector('[data-testid="machines-earned"]')?.textContent).toBe("$1.50");
  });

  it("says why a fenced machine serves nothing", async () => {
    const fixture = setup();
    http
      .expectOne("/v1/provider/machines")
      .flush({ data: [machine({ routable: false, trust_reason: "attestation is stale" })] });
    await flush(fixture);
    const root = fixture.nativeElement as HTMLElement;
    expect(root.querySelector("tbody .error")?.textContent).toContain("attestation is stale");
  });

  it("points to linking a Mac when there is none, and shows the coordinator's refusal", async () => {
    const fixture = setup();
    http.expectOne("/v1/provider/machines").flush({ data: [] });
    await flush(fixture);
    const root = fixture.nativeElement as HTMLElement;
    expect(root.querySelector("tbody")?.textContent).toContain("darkbloom login");
    (root.querySelector("button") as HTMLButtonElement).click();
    http
      .expectOne("/v1/provider/machines")
      .flush(
        { error: { message: "this endpoint is for provider accounts", type: "permission_error" } },
        { status: 403, statusText: "Forbidden" },
      );
    await flush(fixture);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain("provider accounts");
  });
});
