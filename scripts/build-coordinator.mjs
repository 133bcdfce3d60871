#!/usr/bin/env node
// `npm run build:coordinator`: the coordinator as one JavaScript file, services/coordinator/dist/
// main.js (+ main.js.map), run with `node --enable-source-maps services/coordinator/dist/main.js`.
// The @darkbloom/* workspaces are bundled (they ship TypeScript sources); every other package stays
// an import from node_modules. No tsx at run time: no per-request __name() calls from esbuild's
// keepNames, no loader worker (docs/architecture.md, "How the coordinator runs").
//
// Files found relative to a module (the migrations folders, the console's static files) keep being
// found: each bundled module's `import.meta.url` becomes its source file's URL computed from the
// bundle's own location, so the bundle must sit at services/coordinator/dist/ beside the sources'
// folders (the repository, or the image, which copies those folders).
import { build } from "esbuild";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = path.join(root, "services/coordinator/dist");

/** Packages from node_modules stay external; the workspaces' TypeScript is bundled. */
const externalPackages = {
  name: "external-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith("@darkbloom/") ? undefined : { path: args.path, external: true },
    );
  },
};

/** Each module's import.meta.url stays the URL of its own source file. */
const sourceRelativeUrls = {
  name: "source-relative-urls",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const rel = path.relative(outdir, args.path).split(path.sep).join("/");
      const url = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
      return { contents: text.replaceAll("import.meta.url", `(${url})`), loader: "ts" };
    });
  },
};

await build({
  entryPoints: [path.join(root, "services/coordinator/src/main.ts")],
  outfile: path.join(outdir, "main.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  plugins: [externalPackages, sourceRelativeUrls],
});
