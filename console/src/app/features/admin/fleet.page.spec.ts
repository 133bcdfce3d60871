import { TestBed } from "@angular/core/testing";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { TrustLevel } from "../../../gen/darkbloom/v1/common_pb";
import { SlotState, ThermalState } from "../../../gen/darkbloom/v1/provider_pb";
import { ProviderSummarySchema, RoutingService } from "../../../gen/darkbloom/v1/routing_pb";
import FleetPage from "./fleet.page";
import { adminTestBed, cells, el, settle, type } from "./testing/admin-test-bed";

type Init = MessageInitShape<typeof ProviderSummarySchema>;
const provider = (id: string, over: Record<string, unknown> = {}) =>
  create(ProviderSummarySchema, {
    providerId: id,
    version: "1.2.0",
    trustLevel: TrustLevel.HARDWARE,
    hardware: { chip: "Apple M4 Max", memoryGb: 128 },
    modelIds: ["qwen3-8b"],
    heartbeat: {
      thermal: ThermalState.NOMINAL,
      memory: { activeGb: 20, totalGb: 128 },
      slots: [{ modelId: "qwen3-8b", state: SlotState.RUNNING, running: 2, waiting: 1 }],
    },
    benchmarks: [{ modelId: "qwen3-8b", decodeTokensPerSecond: 40 }],
    ...over,
  } as Init);

describe("FleetPage", () => {
  afterEach(() => sessionStorage.clear());

  const fleet = [
    provider("p-alpha"),
    provider("p-bravo", {
      trustLevel: TrustLevel.SOFTWARE,
      version: "1.10.0",
      modelIds: ["llama-3-70b"],
      heartbeat: {
        thermal: ThermalState.SERIOUS,
        memory: { activeGb: 90, totalGb: 192 },
        slots: [],
      },
      measured: [{ modelId: "llama-3-70b", decodeTokensPerSecond: 12.5 }],
    }),
  ];

  async function open(auth: Array<string | null> = []) {
    adminTestBed(({ service }) =>
      service(RoutingService, {
        listProviders: (_req, ctx) => {
          auth.push(ctx.requestHeader.get("authorization"));
          return { providers: fleet };
        },
      }),
    );
    const fixture = TestBed.createComponent(FleetPage);
    await settle(fixture);
    return fixture;
  }

  it("shows every provider with trust, version, slots, decode speed, memory and thermal", async () => {
    const auth: Array<string | null> = [];
    const fixture = await open(auth);
    expect(auth[0]).toBe("Bearer k");
    const rows = cells(el(fixture), "fleet");
    expect(rows[0]).toEqual([
      "p-alpha Apple M4 Max · qwen3-8b",
      "Hardware",
      "1.2.0",
      "2 running · 1 waiting 1 loaded",
      "40.0",
      "20.0 / 128 GB",
      "Nominal",
    ]);
    // the relay's measured speed wins over the provider's benchmark
    expect(rows[1]?.slice(1)).toEqual([
      "Software",
      "1.10.0",
      "0 running · 0 waiting 0 loaded",
      "12.5",
      "90.0 / 192 GB",
      "Serious",
    ]);
    const link = el(fixture).querySelector('a[href="/admin/fleet/p-alpha"]');
    expect(link).not.toBeNull();
  });

  it("filters by text, minimum trust and thermal state", async () => {
    const fixture = await open();
    const root = el(fixture);
    type(root, "#fleet-search", "llama");
    await settle(fixture);
    expect(cells(root, "fleet").map((r) => r[0]?.split(" ")[0])).toEqual(["p-bravo"]);
    type(root, "#fleet-search", "");
    type(root, "#fleet-trust", String(TrustLevel.HARDWARE), "change");
    await settle(fixture);
    expect(cells(root, "fleet").map((r) => r[0]?.split(" ")[0])).toEqual(["p-alpha"]);
    type(root, "#fleet-thermal", String(ThermalState.SERIOUS), "change");
    await settle(fixture);
    expect(cells(root, "fleet")).toEqual([["No provider matches."]]);
  });

  it("sorts by a column from its header button, biggest first, then reversed", async () => {
    const fixture = await open();
    const root = el(fixture);
    const header = (label: string) =>
      [...root.querySelectorAll("th button")].find((b) => b.textContent?.includes(label)) as
        HTMLButtonElement | undefined;
    header("Memory")?.click();
    await settle(fixture);
    expect(cells(root, "fleet").map((r) => r[0]?.split(" ")[0])).toEqual(["p-bravo", "p-alpha"]);
    expect(header("Memory")?.closest("th")?.getAttribute("aria-sort")).toBe("descending");
    header("Memory")?.click();
    await settle(fixture);
    expect(cells(root, "fleet").map((r) => r[0]?.split(" ")[0])).toEqual(["p-alpha", "p-bravo"]);
    // versions sort as numbers: 1.2.0 before 1.10.0
    header("Version")?.click();
    await settle(fixture);
    expect(cells(root, "fleet").map((r) => r[2])).toEqual(["1.2.0", "1.10.0"]);
  });
});
