import { existsSync, readFileSync, readdirSync } from "node:fs";
import { builtinModules } from "node:module";
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

/** The npm package an import specifier names ("@scope/name/x" → "@scope/name", "name/x" → "name"). */
export const packageName = (spec: string): string =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");

export interface WorkspaceClosure {
  /** Workspaces whose files the entry point's import graph reaches (its own included). */
  imported: Set<string>;
  /** Workspaces npm links for `npm ci --workspace <entry's package>`: its @darkbloom/* dependencies, transitively. */
  declared: Set<string>;
  /** Every file of the graph, relative to the repository. */
  files: string[];
  /**
   * Imports of a package no declared workspace lists as a dependency ("file: spec"): npm ci of the
   * entry's workspace would not install it (npm hoists the union, so any of them listing it is enough).
   */
  undeclared: string[];
}

/** Walks the runtime import graph from an entry file. */
export function workspaceClosure(entry: string): WorkspaceClosure {
  const byName = workspaces();
  const dirOf = (file: string): string | undefined =>
    [...byName.values()].find((dir) => file.startsWith(path.join(REPO, dir) + path.sep));
  const depsOf = (dir: string) =>
    new Set(Object.keys(readJson(path.join(REPO, dir, "package.json")).dependencies ?? {}));
  const imported = new Set<string>();
  const packagesImported: { file: string; spec: string }[] = [];
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
        continue;
      }
      if (spec.startsWith("node:") || builtinModules.includes(spec)) continue;
      const name = packageName(spec);
      packagesImported.push({ file, spec });
      const target = byName.get(name);
      if (target) queue.push(packageEntry(target));
    }
  }
  const start = dirOf(path.join(REPO, entry));
  const declared = new Set<string>();
  const pending = start ? [start] : [];
  while (pending.length) {
    const dir = pending.pop()!;
    if (declared.has(dir)) continue;
    declared.add(dir);
    for (const dep of depsOf(dir)) if (byName.has(dep)) pending.push(byName.get(dep)!);
  }
  const installed = new Set([...declared].flatMap((dir) => [...depsOf(dir)]));
  for (const dir of declared) installed.add(readJson(path.join(REPO, dir, "package.json")).name);
  const undeclared = packagesImported
    .filter(({ spec }) => !installed.has(packageName(spec)))
    .map(({ file, spec }) => `${path.relative(REPO, file)}: ${spec}`);
  return { imported, declared, files: [...seen].map((f) => path.relative(REPO, f)), undeclared };
}
export function lockedVersion(name: string): string | undefined {
  const lock = JSON.parse(readFileSync(path.join(REPO, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  return lock.packages[`node_modules/${name}`]?.version;
}
