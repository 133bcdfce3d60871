import { expect } from "chai";
import { SchemaUnsupportedError } from "@darkbloom/model-contract";
import { SCHEMA_CASES } from "@darkbloom/model-contract/testing";
import { objectSchemaMachine } from "./root.js";

describe("objectSchemaMachine (the provider's side of the shared schema cases)", () => {
  for (const c of SCHEMA_CASES)
    it(`${c.refusedAt ? "refuses" : "follows"} ${c.what}`, () => {
      let refusedAt: string | undefined;
      try {
        objectSchemaMachine(c.schema, "schema")();
      } catch (err) {
        if (!(err instanceof SchemaUnsupportedError)) throw err;
        refusedAt = err.path;
      }
      expect(refusedAt).to.equal(c.refusedAt);
    });
});
