/** Human text or `--json` for scripts; progress bars only on a TTY and never in JSON mode. */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {}

  /** The command's result: JSON object in --json mode, otherwise the human text. */
  result(data: unknown, human: string): void {
    if (this.json)
      this.stdout.write(
        JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) + "\n",
      );
    else this.stdout.write(human.endsWith("\n") ? human : human + "\n");
  }

  /** Informational lines (stderr in JSON mode so stdout stays parseable). */
  info(line: string): void {
    (this.json ? this.stderr : this.stdout).write(line + "\n");
  }

  error(line: string): void {
    this.stderr.write(line + "\n");
  }

  progress(label: string): Progress {
    return new Progress(label, !this.json && this.stderr.isTTY === true, this.stderr);
  }
}

export class Progress {
  private lastDrawMs = 0;
  constructor(
    private readonly label: string,
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream,
  ) {}

  update(done: number, total: number, unit = ""): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDrawMs < 100 && done < total) return;
    this.lastDrawMs = now;
    const width = 30;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * width);
    this.stream.write(
      `\r${this.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(frac * 100).toFixed(0)}% ${unit}`,
    );
  }

  done(): void {
    if (this.enabled) this.stream.write("\n");
  }
}
