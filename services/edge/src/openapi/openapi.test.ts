import { readFileSync } from "node:fs";
import { expect } from "chai";
import { ROUTES } from "../edge-handler.js";
import { OPENAPI_DOCUMENT } from "./document.js";

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 and equal to the committed docs/openapi.json", () => {
    const committed = JSON.parse(
      readFileSync(new URL("../../../../docs/openapi.json", import.meta.url), "utf8"),
    ) as unknown;
    expect(OPENAPI_DOCUMENT.openapi).to.equal("3.1.0");
    expect(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT))).to.deep.equal(committed);
  });

  it("describes every route of the edge's route table with its method", () => {
    const paths = OPENAPI_DOCUMENT.paths as Record<string, Record<string, unknown>>;
    for (const route of ROUTES) {
      expect(paths, route.path).to.have.property(route.path);
      expect(paths[route.path], route.path).to.have.property(route.method.toLowerCase());
    }
  });

  it("resolves every $ref it uses", () => {
    const text = JSON.stringify(OPENAPI_DOCUMENT);
    const refs = [...text.matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)];
    const components = OPENAPI_DOCUMENT.components as Record<string, Record<string, unknown>>;
    expect(refs.length).to.be.greaterThan(10);
    for (const [, kind, name] of refs)
      expect(components[kind ?? ""], `${kind}/${name}`).to.have.property(name ?? "");
  });
});
