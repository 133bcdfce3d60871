import { rename, rm, writeFile } from "node:fs/promises";

let sequence = 0;

/**
 * Writes `file` so that a reader sees either the old content or the new, never a truncated
 * one: the data goes to a sibling temporary file, which is then renamed over `file`. A plain
 * writeFile truncates first, so `darkbloom status` reading the daemon's status file while it
 * is rewritten (every second) saw an empty file, and a crash mid-write lost credentials.
 */
export async function writeFileAtomic(
  file: string,
  data: string,
  options: { mode?: number } = {},
): Promise<void> {
  const tmp = `${file}.${process.pid}.${++sequence}.tmp`;
  try {
    await writeFile(tmp, data, { mode: options.mode });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
