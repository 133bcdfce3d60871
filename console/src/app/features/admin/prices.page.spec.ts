import { TestBed } from "@angular/core/testing";
import PricesPage, { perMillion } from "./prices.page";
import { adminTestBed, cells, el, settle, submit, type } from "./testing/admin-test-bed";

const list = (input = 150_000) => ({
  object: "list",
  data: [
    {
      model: "*",
      input_micro_usd_per_million: 100_000,
      output_micro_usd_per_million: 400_000,
      updated: 1,
    },
    {
      model: "qwen3-8b",
      input_micro_usd_per_million: input,
      output_micro_usd_per_million: 600_000,
      updated: 1,
    },
  ],
});

describe("PricesPage", () => {
  afterEach(() => sessionStorage.clear());

  it("lists prices per million tokens and saves an edited one in micro-USD", async () => {
    const http = adminTestBed();
    const fixture = TestBed.createComponent(PricesPage);
    http.expectOne("/v1/pricing").flush(list());
    await settle(fixture);
    const root = el(fixture);
    expect(cells(root, "prices")).toEqual([
      ["*", "$0.10", "$0.40", "Edit"],
      ["qwen3-8b", "$0.15", "$0.60", "Edit"],
    ]);
    (
      root.querySelector('button[aria-label="Edit the price of qwen3-8b"]') as HTMLButtonElement
    ).click();
    await settle(fixture);
    expect((root.querySelector("#price-model") as HTMLInputElement).value).toBe("qwen3-8b");
    expect((root.querySelector("#price-input") as HTMLInputElement).value).toBe("0.15");
    type(root, "#price-input", "0.2");
    submit(root);
    const put = http.expectOne({ method: "PUT", url: "/v1/admin/prices/qwen3-8b" });
    expect(put.request.body).toEqual({
      input_micro_usd_per_million: 200_000,
      output_micro_usd_per_million: 600_000,
    });
    put.flush({});
    await settle(fixture);
    http.expectOne("/v1/pricing").flush(list(200_000));
    await settle(fixture);
    expect(cells(root, "prices")[1]?.[1]).toBe("$0.20");
    expect(root.querySelector('[role="status"]')?.textContent).toContain("qwen3-8b");
    http.verify();
  });

  it("refuses amounts that are not USD without asking the server", async () => {
    const http = adminTestBed();
    const fixture = TestBed.createComponent(PricesPage);
    http.expectOne("/v1/pricing").flush(list());
    await settle(fixture);
    const root = el(fixture);
    type(root, "#price-model", "m");
    type(root, "#price-input", "-1");
    type(root, "#price-output", "1");
    submit(root);
    await settle(fixture);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain("amounts in USD");
    http.expectNone({ method: "PUT" });
    expect(perMillion("0.000001")).toBe(1);
    expect(perMillion("1e3")).toBeNaN();
  });
});
