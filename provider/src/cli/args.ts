export interface ParsedArgs {
  command: string | undefined;
  positionals: string[];
  flags: Map<string, string[]>;
}

/** `--name value`, `--name=value` and bare `--flag` (value "true"); flags may repeat. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !(argv[i + 1] ?? "").startsWith("--")) value = argv[++i] ?? "";
    else value = "true";
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  const [command, ...rest] = positionals;
  return { command, positionals: rest, flags };
}

export const flag = (args: ParsedArgs, name: string): string | undefined =>
  args.flags.get(name)?.at(-1);
export const flags = (args: ParsedArgs, name: string): string[] => args.flags.get(name) ?? [];
