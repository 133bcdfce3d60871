// The import boundaries in eslint.config.js, checked against fixtures that break (or keep) them:
// each fixture is linted as if it sat at the path its first line names.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";

const root = path.resolve(import.meta.dirname, "..");
const fixtures = path.join(import.meta.dirname, "fixtures");
const BOUNDARY_RULES = [
  "no-restricted-imports",
  "local/relative-within-package",
  "local/protocols-are-siblings",
  "local/no-http-server",
];

function header(text: string, key: string): string {
  const m = new RegExp(`^// ${key}: (.+)$`, "m").exec(text);
  if (!m?.[1]) throw new Error(`fixture without a "// ${key}:" line`);
  return m[1].trim();
}

describe("import boundaries (eslint.config.js)", function () {
  this.timeout(60_000);
  // The fixtures' virtual paths are not in the TypeScript project: lint them without type info.
  const eslint = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });

  for (const file of readdirSync(fixtures).sort()) {
    const text = readFileSync(path.join(fixtures, file), "utf8");
    const as = header(text, "lint as");
    const expected = header(text, "expect");
    it(`${file} as ${as}: ${expected === "none" ? "passes" : `fails with ${expected}`}`, async () => {
      const [result] = await eslint.lintText(text, { filePath: path.join(root, as) });
      const boundary = (result?.messages ?? []).filter((m) =>
        BOUNDARY_RULES.includes(m.ruleId ?? ""),
      );
      if (expected === "none") expect(boundary.map((m) => m.message)).to.deep.equal([]);
      else expect(boundary.map((m) => m.ruleId)).to.include(expected);
      const fatal = (result?.messages ?? []).filter((m) => m.fatal);
      expect(fatal.map((m) => m.message)).to.deep.equal([]);
    });
  }
});
