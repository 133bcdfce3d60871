import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CRD_FILES, renderCrdYaml } from "./crds.js";

describe("CRD YAML in charts/darkbloom/crds", () => {
  for (const [file, crd] of Object.entries(CRD_FILES)) {
    it(`${file} is the form generated from operator/src/api (npm run gen:operator)`, () => {
      const path = fileURLToPath(
        new URL(`../../../charts/darkbloom/crds/${file}`, import.meta.url),
      );
      expect(readFileSync(path, "utf8")).to.equal(renderCrdYaml(crd));
    });
  }
});
