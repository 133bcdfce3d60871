import { TrustLevel } from "@darkbloom/proto";
import { expect } from "chai";
import { EdgeError } from "../errors/edge-error.js";
import { DEFAULT_PREFERENCES, parseRoutingPreferences } from "./parse-preferences.js";

function refusal(json: Record<string, unknown>): EdgeError {
  try {
    parseRoutingPreferences(json);
  } catch (err) {
    if (err instanceof EdgeError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

describe("parseRoutingPreferences", () => {
  it("gives the defaults when the body has no preferences", () => {
    expect(parseRoutingPreferences({ model: "m" })).to.deep.equal(DEFAULT_PREFERENCES);
  });

  it("reads every preference into typed values (max_price in micro-USD per million)", () => {
    const prefs = parseRoutingPreferences({
      provider: {
        sort: "latency",
        max_price: { prompt: 0.5, completion: 1.25 },
        quantizations: ["q4", "bf16"],
        min_trust: "hardware+mda",
        allow_fallbacks: false,
      },
      models: ["a", "b"],
    });
    expect(prefs).to.deep.equal({
      minTrust: TrustLevel.HARDWARE_MDA,
      sort: "latency",
      maxPrice: { promptMicroUsd: 500_000n, completionMicroUsd: 1_250_000n },
      quantizations: ["q4", "bf16"],
      allowFallbacks: false,
      fallbackModels: ["a", "b"],
    });
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ["an unknown sort", { provider: { sort: "cheapest" } }, "provider.sort"],
    ["an unknown trust level", { provider: { min_trust: "gold" } }, "provider.min_trust"],
    [
      "a negative max price",
      { provider: { max_price: { prompt: -1 } } },
      "provider.max_price.prompt",
    ],
    [
      "an unknown max_price key",
      { provider: { max_price: { input: 1 } } },
      "provider.max_price.input",
    ],
    ["an unknown provider key", { provider: { region: "eu" } }, "provider.region"],
    [
      "quantizations that are not strings",
      { provider: { quantizations: [4] } },
      "provider.quantizations.0",
    ],
    [
      "allow_fallbacks that is not a boolean",
      { provider: { allow_fallbacks: "yes" } },
      "provider.allow_fallbacks",
    ],
    ["models that is not a list", { models: "a" }, "models"],
    ["a fallback model id with a NUL byte", { models: ["ok", "a\u0000b"] }, "models.1"],
    ["a provider that is not an object", { provider: 3 }, "provider"],
  ];
  for (const [what, body, param] of cases) {
    it(`answers ${what} with a 400 naming ${param}`, () => {
      const err = refusal(body);
      expect(err.status).to.equal(400);
      expect(err.param).to.equal(param);
      expect(err.message).to.contain(param);
    });
  }
});
