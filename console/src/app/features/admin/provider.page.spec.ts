import { RouterTestingHarness } from "@angular/router/testing";
import { TrustLevel } from "../../../gen/darkbloom/v1/common_pb";
import { SlotState, ThermalState } from "../../../gen/darkbloom/v1/provider_pb";
import { AttestationService } from "../../../gen/darkbloom/v1/attestation_pb";
import { RoutingService } from "../../../gen/darkbloom/v1/routing_pb";
import ProviderPage from "./provider.page";
import { adminTestBed, cells, settle, text } from "./testing/admin-test-bed";

describe("ProviderPage", () => {
  afterEach(() => sessionStorage.clear());

  async function open(url: string) {
    adminTestBed(
      ({ service }) => {
        service(RoutingService, {
          listProviders: () => ({
            providers: [
              {
                providerId: "p-alpha",
                version: "1.2.0",
                trustLevel: TrustLevel.HARDWARE,
                hardware: { chip: "Apple M4 Max", memoryGb: 128, gpuCores: 40, os: "macOS 15.4" },
                heartbeat: {
                  thermal: ThermalState.FAIR,
                  memoryPressure: 0.42,
                  cpuUsage: 0.1,
                  memory: { activeGb: 20, peakGb: 30, cacheGb: 4, totalGb: 128, freeForLoadGb: 80 },
                  counters: { requestsServed: 12n, requestsFailed: 1n, tokensGenerated: 3400n },
                  slots: [
                    {
                      modelId: "qwen3-8b",
                      state: SlotState.RUNNING,
                      running: 2,
                      waiting: 1,
                      maxTokensPotential: 5000n,
                      kvCapacityTokens: 65536n,
                    },
                    { modelId: "gemma-3", state: SlotState.IDLE_SHUTDOWN },
                  ],
                },
                benchmarks: [{ modelId: "gemma-3", decodeTokensPerSecond: 30 }],
                measured: [{ modelId: "qwen3-8b", decodeTokensPerSecond: 41.25, ttftMs: 180 }],
              },
            ],
          }),
        });
        service(AttestationService, {
          getTrust: (req) => ({
            trustLevel: TrustLevel.HARDWARE,
            routable: req.providerId === "p-alpha",
            reason: "attested 3 s ago",
            lastAttestedAtMs: 1_700_000_000_000n,
          }),
        });
      },
      [{ path: "admin/fleet/:id", component: ProviderPage }],
    );
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl(url, ProviderPage);
    await settle(harness.fixture);
    return harness.fixture.nativeElement as HTMLElement;
  }

  it("shows the provider's trust, machine, memory, thermal, counters and slots", async () => {
    const root = await open("/admin/fleet/p-alpha");
    expect(text(root.querySelector("h1") as Node)).toBe("Provider p-alpha");
    expect(text(root.querySelector('[data-testid="provider-summary"]') as Node)).toContain(
      "Trust Hardware Version 1.2.0 In flight 0 Thermal Fair",
    );
    expect(text(root)).toContain("routable — attested 3 s ago");
    const memory = text(root.querySelector('[data-testid="provider-memory"]') as Node);
    expect(memory).toContain("Active 20.0 GB · peak 30.0 GB · cache 4.0 GB of 128.0 GB");
    expect(memory).toContain("Memory pressure 42 %");
    expect(memory).toContain("Served 12 requests (1 failed), 3400 tokens generated");
    expect(cells(root, "provider-slots")).toEqual([
      ["qwen3-8b", "Running", "2", "1", "5000 / 65536", "41.3 (measured)"],
      ["gemma-3", "On disk", "0", "0", "0 / ?", "30.0 (benchmark)"],
    ]);
  });

  it("says so when the provider is not connected", async () => {
    const root = await open("/admin/fleet/p-gone");
    expect(root.querySelector('[role="status"]')?.textContent).toContain("not connected");
    expect(root.querySelector('[data-testid="provider-slots"]')).toBeNull();
  });
});
