// Dockerfiles read without Docker: the static checks in charts/tests/dockerfiles.test.ts and the
// image-tree e2e spec (e2e/specs/coordinator-image.test.ts) share this parser.

/** A Dockerfile instruction: keyword (upper case) and its arguments, continuation lines joined. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    // Heredoc bodies (COPY <<EOF ... EOF) belong to their instruction.
    const heredoc = /<<-?["']?([A-Z_]+)["']?/.exec(line);
    while (/\\\s*$/.test(line) && i + 1 < lines.length)
      line = line.replace(/\\\s*$/, " ") + lines[++i]!.trim();
    if (heredoc) {
      const body: string[] = [];
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== heredoc[1]) body.push(lines[++i]!);
      i++;
      line += "\n" + body.join("\n");
    }
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(line);
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }
  return out;
}

export interface Stage {
  name?: string;
  base: string;
  instructions: Instruction[];
}

export function stages(instructions: Instruction[]): Stage[] {
  const result: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot parse FROM ${ins.args}`);
      result.push({ base: m[1]!, ...(m[2] ? { name: m[2] } : {}), instructions: [] });
    } else if (result.length) result[result.length - 1]!.instructions.push(ins);
  }
  return result;
}

/** Source paths of COPY instructions that copy from the build context (not --from a stage). */
export function contextCopies(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === "COPY" && !/--from=/.test(i.args) && !/<</.test(i.args))
    .flatMap((i) => {
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith("--"));
      return words.slice(0, -1);
    });
}

/** The exec-form array of an ENTRYPOINT or CMD (shell form is refused: signals would go to sh). */
export function execForm(ins: Instruction | undefined): string[] | undefined {
  if (!ins) return undefined;
  try {
    const parsed = JSON.parse(ins.args) as unknown;
    return Array.isArray(parsed) && parsed.every((p) => typeof p === "string") ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A .dockerignore matcher (Docker's pattern rules, `!` exceptions included); paths are relative to the context. */
export function dockerignoreMatcher(text: string): (file: string) => boolean {
  const rules = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      const glob = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, "");
      const source = glob
        .split("/")
        .map((part) =>
          part === "**"
            ? "(?:.*/)?"
            : part
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]") + "/",
        )
        .join("");
      return { negate, regex: new RegExp(`^${source.replace(/\/$/, "")}(?:/.*)?$`) };
    });
  return (file: string) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(file)) ignored = !rule.negate;
    return ignored;
  };
}
