import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

/** One file of a hashed set: its name (or `/`-separated relative path) and SHA-256 (hex). */
export interface NamedSha256 {
  name: string;
  sha256: string;
}

/**
 * SHA-256 (hex) over the `sha256sum` lines `<sha256>  <name>\n` of the files, sorted by name in
 * code-unit order (`LC_ALL=C sort`): reproducible with
 * `LC_ALL=C sha256sum $(LC_ALL=C ls FILES | sort) | sha256sum`. Both hashes a provider signs use it.
 */
export function fileListHash(files: readonly NamedSha256[]): string {
  const lines = [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => `${f.sha256}  ${f.name}\n`)
    .join("");
  return bytesToHex(sha256(new TextEncoder().encode(lines)));
}

/**
 * A model's weight hash (`ModelInfo.weight_hash`, the status's `models[].weightHash`, the
 * registry's `weightHash`): `fileListHash` over its `*.safetensors` files only, by file name.
 * The coordinator rebuilds it from the model registry's per-file SHA-256s.
 */
export function weightHashOf(files: readonly NamedSha256[]): string {
  return fileListHash(files.filter((f) => f.name.endsWith(".safetensors")));
}

/**
 * A provider release's code-tree hash (the status's `binaryHash`, a release artifact's
 * `tree_sha256`): `fileListHash` over the package's code files by path relative to the package
 * root — `package.json`, `bin/**`, `src/**` (`.ts .mts .mjs .js .json`), excluding `*.test.*`
 * files and `testing/` and `node_modules/` folders.
 */
export function treeHashOf(files: readonly NamedSha256[]): string {
  return fileListHash(files.filter((f) => isTreeCodeFile(f.name)));
}

const CODE = /\.(ts|mts|mjs|js|json)$/;

/** Whether a package-relative path belongs to the code tree `treeHashOf` covers. */
export function isTreeCodeFile(relPath: string): boolean {
  if (relPath === "package.json") return true;
  const parts = relPath.split("/");
  const name = parts[parts.length - 1] ?? "";
  if (parts[0] !== "bin" && parts[0] !== "src") return false;
  if (parts.some((p) => p === "testing" || p === "node_modules")) return false;
  return CODE.test(name) && !name.includes(".test.");
}
