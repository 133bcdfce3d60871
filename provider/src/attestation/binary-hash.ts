import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isTreeCodeFile, treeHashOf } from "@darkbloom/crypto";

/** The provider package root (the folder holding package.json, bin/ and src/). */
export const PROVIDER_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The provider's binary hash: the release code-tree hash (`treeHashOf` in `@darkbloom/crypto`)
 * of this package — SHA-256 over the `sha256sum` lines of `package.json`, `bin/**` and `src/**`
 * code files, tests and `testing/` folders excluded. A release registers the same value as its
 * artifacts' `tree_sha256`: `computeBinaryHash(<unpacked release tree>)`.
 */
export async function computeBinaryHash(root: string = PROVIDER_ROOT): Promise<string> {
  const files = ["package.json", ...(await walk(root, "bin")), ...(await walk(root, "src"))];
  const hashed = [];
  for (const rel of files.filter(isTreeCodeFile)) {
    const sha256 = createHash("sha256")
      .update(await readFile(path.join(root, rel)))
      .digest("hex");
    hashed.push({ name: rel, sha256 });
  }
  return treeHashOf(hashed);
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
    } else out.push(child);
  }
  return out;
}
