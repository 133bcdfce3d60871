import { TestBed } from "@angular/core/testing";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  RoutingService,
  type SetWarmPoolPolicyRequestSchema,
} from "../../../gen/darkbloom/v1/routing_pb";
import WarmPoolsPage, { draftProblems } from "./warm-pools.page";
import { adminTestBed, cells, el, settle, submit, type } from "./testing/admin-test-bed";

type Target = NonNullable<
  MessageInitShape<typeof SetWarmPoolPolicyRequestSchema>["targets"]
>[number];

describe("WarmPoolsPage", () => {
  afterEach(() => sessionStorage.clear());

  async function open() {
    // the server's stored policy: what SetWarmPoolPolicy wrote, read back by GetWarmPoolPolicy
    let stored: Target[] = [
      { model: "qwen3-8b", minWarmProviders: 1, maxWarmProviders: 3, targetUtilizationPercent: 70 },
    ];
    const sets: Target[][] = [];
    adminTestBed(({ service }) =>
      service(RoutingService, {
        getWarmPoolPolicy: () => ({ targets: stored }),
        setWarmPoolPolicy: (req) => {
          stored = req.targets.map((t) => ({ ...t, $typeName: undefined }));
          sets.push(stored);
          return {};
        },
        getWarmPoolStatus: () => ({
          models: stored.map((t) => ({
            model: t.model,
            target: t.minWarmProviders ?? 0,
            warm: 1,
            loading: 0,
            failedLoads: 0,
          })),
        }),
        listModels: () => ({ models: [{ id: "qwen3-8b" }, { id: "gemma-3" }] }),
      }),
    );
    const fixture = TestBed.createComponent(WarmPoolsPage);
    await settle(fixture);
    return { fixture, root: el(fixture), sets };
  }

  it("shows the policy form only once the stored policy is in (a model added before would be lost)", async () => {
    let answer!: (targets: Target[]) => void;
    const policy = new Promise<{ targets: Target[] }>((resolve) => {
      answer = (targets) => resolve({ targets });
    });
    adminTestBed(({ service }) =>
      service(RoutingService, {
        getWarmPoolPolicy: () => policy,
        getWarmPoolStatus: () => ({ models: [] }),
        listModels: () => ({ models: [{ id: "qwen3-8b" }] }),
      }),
    );
    const fixture = TestBed.createComponent(WarmPoolsPage);
    await settle(fixture);
    const root = el(fixture);
    expect(root.querySelector('[data-testid="policy-form"]')).toBeNull();
    expect(root.querySelector('[data-testid="policy-loading"]')?.textContent).toContain(
      "Loading the policy",
    );
    answer([{ model: "qwen3-8b", minWarmProviders: 2 }]);
    await settle(fixture);
    expect(root.querySelector('[data-testid="policy-loading"]')).toBeNull();
    expect((root.querySelector("#model-0") as HTMLInputElement).value).toBe("qwen3-8b");
  });

  it("shows the stored policy in the form and the controller's status", async () => {
    const { root } = await open();
    expect((root.querySelector("#model-0") as HTMLInputElement).value).toBe("qwen3-8b");
    expect((root.querySelector("#minWarmProviders-0") as HTMLInputElement).value).toBe("1");
    expect((root.querySelector("#maxWarmProviders-0") as HTMLInputElement).value).toBe("3");
    expect((root.querySelector("#targetUtilizationPercent-0") as HTMLInputElement).value).toBe(
      "70",
    );
    expect(cells(root, "warm-pool-status")).toEqual([["qwen3-8b", "1", "1", "0", "0"]]);
  });

  it("edits a target, adds a model, saves, and shows the policy as read back", async () => {
    const { fixture, root, sets } = await open();
    type(root, "#minWarmProviders-0", "2");
    [...root.querySelectorAll("button")]
      .find((b) => b.textContent?.includes("Add a model"))
      ?.click();
    await settle(fixture);
    type(root, "#model-1", "gemma-3");
    type(root, "#maxLoadsPerMinute-1", "5");
    submit(root, '[data-testid="policy-form"]');
    await settle(fixture);
    expect(sets).toHaveLength(1);
    expect(
      sets[0]?.map((t) => [
        t.model,
        t.minWarmProviders,
        t.maxWarmProviders,
        t.targetUtilizationPercent,
        t.maxLoadsPerMinute,
      ]),
    ).toEqual([
      ["qwen3-8b", 2, 3, 70, 0],
      ["gemma-3", 1, 0, 0, 5],
    ]);
    expect(root.querySelector('[role="status"]')?.textContent).toContain("Saved");
    expect((root.querySelector("#model-1") as HTMLInputElement).value).toBe("gemma-3");
    expect(cells(root, "warm-pool-status").map((r) => r[0])).toEqual(["qwen3-8b", "gemma-3"]);
  });

  it("refuses min above max or a repeated model without calling the server", async () => {
    const { fixture, root, sets } = await open();
    type(root, "#minWarmProviders-0", "5");
    submit(root, '[data-testid="policy-form"]');
    await settle(fixture);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain(
      "min warm is above max warm",
    );
    expect(sets).toHaveLength(0);
    expect(
      draftProblems([
        {
          model: "a",
          minWarmProviders: 0,
          maxWarmProviders: 0,
          targetUtilizationPercent: 0,
          maxLoadsPerMinute: 0,
        },
        {
          model: "a",
          minWarmProviders: 0,
          maxWarmProviders: 0,
          targetUtilizationPercent: 0,
          maxLoadsPerMinute: 0,
        },
      ]),
    ).toContain("once");
    expect(
      draftProblems([
        {
          model: "a",
          minWarmProviders: 0,
          maxWarmProviders: 0,
          targetUtilizationPercent: 101,
          maxLoadsPerMinute: 0,
        },
      ]),
    ).toContain("0 to 100");
  });

  it("removes a target", async () => {
    const { fixture, root, sets } = await open();
    (root.querySelector('button[aria-label="Remove qwen3-8b"]') as HTMLButtonElement).click();
    await settle(fixture);
    submit(root, '[data-testid="policy-form"]');
    await settle(fixture);
    expect(sets[0]).toEqual([]);
    expect(cells(root, "warm-pool-status")).toEqual([["No model has a warm pool."]]);
  });
});
