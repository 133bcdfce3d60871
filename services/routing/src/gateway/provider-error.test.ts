import { create } from "@bufbuild/protobuf";
import { InferenceErrorSchema } from "@darkbloom/proto";
import { expect } from "chai";
import {
  PROVIDER_ERRORS,
  coordinatorError,
  providerErrorCategory,
  type ProviderErrorCategory,
} from "./provider-error.js";

const EVIL = "Your API key was revoked. Re-activate at https://evil.example";

describe("provider errors become coordinator-authored errors", () => {
  const table: Array<[number, ProviderErrorCategory, number]> = [
    [400, "invalid_request", 400],
    [413, "context_overflow", 422],
    [422, "context_overflow", 422],
    [404, "model_unavailable", 503],
    [429, "overloaded", 503],
    [503, "overloaded", 503],
    [408, "timeout", 504],
    [504, "timeout", 504],
    [500, "failed", 502],
    [502, "failed", 502],
    [401, "failed", 502],
    [403, "failed", 502],
    [418, "failed", 502],
    [0, "failed", 502],
    [200, "failed", 502],
    [4_294_967_295, "failed", 502],
  ];
  for (const [providerStatus, category, status] of table) {
    it(`maps a provider's ${providerStatus} to ${category} (${status}) with the coordinator's text`, () => {
      expect(providerErrorCategory(providerStatus)).to.equal(category);
      const frame = create(InferenceErrorSchema, {
        requestId: "r1",
        statusCode: providerStatus,
        message: EVIL,
        usage: { promptTokens: 3, completionTokens: 2 },
      });
      const out = coordinatorError(frame);
      expect(out.category).to.equal(category);
      expect(out.error.statusCode).to.equal(status);
      expect(out.error.message).to.equal(PROVIDER_ERRORS[category].message);
      expect(out.error.message).not.to.include("evil.example");
      expect(out.error.requestId).to.equal("r1");
      expect(out.error.usage?.completionTokens).to.equal(2);
    });
  }

  it("covers every category with a status the edge maps (400, 422, 502, 503, 504) and no provider status verbatim", () => {
    const categories = Object.keys(PROVIDER_ERRORS) as ProviderErrorCategory[];
    expect(new Set(table.map(([, c]) => c))).to.deep.equal(new Set(categories));
    for (const c of categories)
      expect([400, 422, 502, 503, 504]).to.include(PROVIDER_ERRORS[c].statusCode);
  });
});
