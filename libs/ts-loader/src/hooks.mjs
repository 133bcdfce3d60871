// Module hooks (node:module register) for TypeScript sources: `.ts` files are ES modules whose
// types esbuild strips; nothing else in them changes.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

const TYPESCRIPT = /\.ts$/;
const RELATIVE_JS = /^\.{1,2}\/.*\.js$/;

/** The repository's compilerOptions (verbatimModuleSyntax, target…), as tsc reads them. */
let tsconfigRaw = {};

export function initialize(data) {
  tsconfigRaw = data?.tsconfigRaw ?? {};
}

/** TypeScript sources import each other by their emitted name: "./x.js" from a .ts file is ./x.ts. */
export async function resolve(specifier, context, nextResolve) {
  if (RELATIVE_JS.test(specifier) && TYPESCRIPT.test(context.parentURL ?? "")) {
    try {
      return await nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    } catch (err) {
      if (err?.code !== "ERR_MODULE_NOT_FOUND") throw err;
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !TYPESCRIPT.test(new URL(url).pathname)) {
    return nextLoad(url, context);
  }
  const file = fileURLToPath(url);
  const { code } = await transform(await readFile(file, "utf8"), {
    loader: "ts",
    format: "esm",
    target: `node${process.versions.node}`,
    sourcemap: "inline",
    sourcefile: file,
    tsconfigRaw,
  });
  return { format: "module", source: code, shortCircuit: true };
}
