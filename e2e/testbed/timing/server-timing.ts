/** One `name;dur=ms` entry of an X-Timing (Server-Timing syntax) header. */
export interface TimingEntry {
  name: string;
  durMs: number;
}

/**
 * Parses `auth;dur=1.2, queue;dur=0.4, dispatch;dur=3` (Server-Timing syntax, extra params
 * ignored). An absent or empty header gives no entries; malformed entries are skipped.
 */
export function parseTimingHeader(header: string | null | undefined): TimingEntry[] {
  if (!header) return [];
  const entries: TimingEntry[] = [];
  for (const part of header.split(",")) {
    const [rawName, ...params] = part.split(";").map((s) => s.trim());
    if (!rawName || !/^[A-Za-z0-9_.-]+$/.test(rawName)) continue;
    const dur = params
      .map((p) => /^dur\s*=\s*"?([0-9]+(?:\.[0-9]+)?)"?$/.exec(p))
      .find((m) => m !== null);
    if (!dur?.[1]) continue;
    entries.push({ name: rawName, durMs: Number(dur[1]) });
  }
  return entries;
}
