import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { REPO } from "./helm.js";

interface PackageJson {
  name: string;
  version?: string;
  workspaces?: string[];
  exports?: Record<string, string> | string;
  dependencies?: Record<string, string>;
}

const readJson = (file: string): PackageJson =>
  JSON.parse(readFileSync(file, "utf8")) as PackageJson;

/** Every workspace folder of the root package.json (globs like libs/* expanded), by package name. */
export function workspaces(): Map<string, string> {
  const root = readJson(path.join(REPO, "package.json"));
  const dirs = (root.workspaces ?? []).flatMap((glob) => {
    if (!glob.endsWith("/*")) return [glob];
    const parent = glob.slice(0, -2);
    return readdirSync(path.join(REPO, parent), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `${parent}/${d.name}`);
  });
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    const file = path.join(REPO, dir, "package.json");
    if (existsSync(file)) byName.set(readJson(file).name, dir);
  }
  return byName;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[^'"`;]*?\sfrom\s*)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;

/** Runtime import specifiers of a TypeScript file (`import type` / `export type` are erased). */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(IMPORT)) {
    if (m[1]) continue;
    found.push((m[2] ?? m[3])!);
  }
  return found;
}

function resolveRelative(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [
    base,
    base.replace(/\.js$/, ".ts"),
    `${base}.ts`,
    path.join(base, "index.ts"),
  ];
  return candidates.find((c) => existsSync(c) && c.endsWith(".ts"));
}

function packageEntry(dir: string): string {
  const pkg = readJson(path.join(REPO, dir, "package.json"));
  const exp = typeof pkg.exports === "string" ? pkg.exports : pkg.exports?.["."];
  return path.join(REPO, dir, exp ?? "index.ts");
}

/**
 * Walks the runtime import graph from an entry file and returns the workspace folders it reaches
 * (the entry's own included), and the @darkbloom/* workspaces named by those workspaces'
 * package.json dependencies (what npm links into node_modules).
 */
export function workspaceClosure(entry: string): {
  imported: Set<string>;
  declared: Set<string>;
  files: string[];
} {
  const byName = workspaces();
  const dirOf = (file: string): string | undefined =>
    [...byName.values()].find((dir) => file.startsWith(path.join(REPO, dir) + path.sep));
  const imported = new Set<string>();
  const seen = new Set<string>();
  const queue = [path.join(REPO, entry)];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const dir = dirOf(file);
    if (dir) imported.add(dir);
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      if (spec.startsWith(".")) {
        const target = resolveRelative(file, spec);
        if (target) queue.push(target);
      } else if (spec.startsWith("@darkbloom/")) {
        const name = spec.split("/").slice(0, 2).join("/");
        const target = byName.get(name);
        if (!target) throw new Error(`${file} imports ${spec}, which is no workspace`);
        queue.push(packageEntry(target));
      }
    }
  }
  const declared = new Set<string>();
  const pending = [...imported];
  while (pending.length) {
    const dir = pending.pop()!;
    if (declared.has(dir)) continue;
    declared.add(dir);
    for (const dep of Object.keys(
      readJson(path.join(REPO, dir, "package.json")).dependencies ?? {},
    ))
      if (byName.has(dep)) pending.push(byName.get(dep)!);
  }
  return { imported, declared, files: [...seen].map((f) => path.relative(REPO, f)) };
}

export function lockedVersion(name: string): string | undefined {
  const lock = JSON.parse(readFileSync(path.join(REPO, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  return lock.packages[`node_modules/${name}`]?.version;
}
