// Runs a process from its TypeScript sources: `node --import <this file> main.ts`.
//
// The coordinator runs under this loader rather than tsx. Both strip the types with esbuild's
// transform, but tsx always asks for `keepNames`, which wraps every named function and closure in
// a `__name(fn, "name")` call — an Object.defineProperty on each closure a request creates. On the
// coordinator's hot path that cost a quarter of its requests per CPU core (664 vs 862 at 64
// streams, bench:overhead; docs/architecture.md). A per-file transform renames nothing, so the
// names stay without it.
import { readFileSync } from "node:fs";
import { register } from "node:module";

const tsconfig = JSON.parse(
  readFileSync(new URL("../../../tsconfig.json", import.meta.url), "utf8"),
);

// Stack traces name the .ts file and line, as under tsx (the transform inlines a source map).
process.setSourceMapsEnabled(true);
register("./hooks.mjs", import.meta.url, {
  data: { tsconfigRaw: { compilerOptions: tsconfig.compilerOptions } },
});
