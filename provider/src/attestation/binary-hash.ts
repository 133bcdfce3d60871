import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The provider package root (the folder holding package.json, bin/ and src/). */
export const PROVIDER_ROOT = fileURLToPath(new URL("../..", import.meta.url));

const CODE = /\.(ts|mts|mjs|js|json)$/;

/**
 * The provider's binary hash: SHA-256 over the lines `<sha256>  <path>\n` (sha256sum format,
 * paths relative to the package root with `/`, sorted) of its code files — `package.json`, `bin/`
 * and `src/`, tests (`*.test.ts`) and `testing/` folders excluded. Reproducible from a release
 * tree with `find bin src package.json … | sort | xargs sha256sum | sha256sum`.
 */
export async function computeBinaryHash(root: string = PROVIDER_ROOT): Promise<string> {
  const files = ["package.json", ...(await walk(root, "bin")), ...(await walk(root, "src"))].sort();
  const lines: string[] = [];
  for (const rel of files) {
    const digest = createHash("sha256")
      .update(await readFile(path.join(root, rel)))
      .digest("hex");
    lines.push(`${digest}  ${rel}\n`);
  }
  return createHash("sha256").update(lines.join("")).digest("hex");
}

async function walk(root: string, rel: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path.join(root, rel), { withFileTypes: true });
  } catch {
    return []; // folder absent in this layout
  }
  const out: string[] = [];
  for (const e of entries) {
    const child = `${rel}/${e.name}`;
    if (e.isDirectory()) {
      if (e.name !== "testing" && e.name !== "node_modules") out.push(...(await walk(root, child)));
    } else if (CODE.test(e.name) && !e.name.includes(".test.")) out.push(child);
  }
  return out;
}
