/** `--name value` and `--flag` arguments of a bench script (no env reads; defaults per script). */
export function benchArgs(argv: readonly string[] = process.argv.slice(2)): {
  num(name: string, def: number): number;
  str(name: string): string | undefined;
  has(name: string): boolean;
  positional: string[];
} {
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith("--")) {
      values.set(a.slice(2), next);
      i++;
    } else values.set(a.slice(2), "true");
  }
  return {
    num: (name, def) => {
      const v = values.get(name);
      const n = v === undefined ? def : Number(v);
      if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${v}`);
      return n;
    },
    str: (name) => values.get(name),
    has: (name) => values.has(name),
    positional,
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export async function cpuSeconds(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}
