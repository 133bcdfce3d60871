// Schedule windows of a WarmPool, evaluated in UTC (pure).
import type { ScheduleWindow, Weekday, WarmPoolSpec } from "../../api/warmpool.js";

const DAYS: Weekday[] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** Whether `now` lies in the window; a window whose end is not after its start runs past midnight. */
export function inWindow(w: ScheduleWindow, now: Date): boolean {
  const day = DAYS[now.getUTCDay()] as Weekday;
  const yesterday = DAYS[(now.getUTCDay() + 6) % 7] as Weekday;
  const t = now.getUTCHours() * 60 + now.getUTCMinutes();
  const start = minutes(w.start);
  const end = minutes(w.end);
  if (start < end) return w.days.includes(day) && t >= start && t < end;
  // Overnight (or a full 24 h when start == end): from start on a listed day until end the next day.
  return (w.days.includes(day) && t >= start) || (w.days.includes(yesterday) && t < end);
}

/** The floor in force at `now`: the largest of the open windows' floors, else the base one. */
export function effectiveMinWarm(spec: WarmPoolSpec, now: Date): number {
  const open = (spec.schedule ?? []).filter((w) => inWindow(w, now));
  if (open.length === 0) return spec.minWarmProviders;
  return Math.max(...open.map((w) => w.minWarmProviders));
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The first instant after `now` at which one of the spec's windows opens or closes (so the floor in
 * force may change), or undefined without windows. Windows repeat weekly: the answer is within 8 days.
 */
export function nextBoundary(spec: WarmPoolSpec, now: Date): Date | undefined {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  let next: number | undefined;
  for (const w of spec.schedule ?? []) {
    const start = minutes(w.start) * 60_000;
    // Not after its start: it closes the next day (start == end is a full 24 h).
    const end = minutes(w.end) * 60_000 + (minutes(w.end) <= minutes(w.start) ? DAY_MS : 0);
    // From yesterday (an overnight window still open) to a week ahead.
    for (let d = -1; d <= 7; d++) {
      const day = midnight + d * DAY_MS;
      if (!w.days.includes(DAYS[new Date(day).getUTCDay()] as Weekday)) continue;
      for (const t of [day + start, day + end])
        if (t > now.getTime() && (next === undefined || t < next)) next = t;
    }
  }
  return next === undefined ? undefined : new Date(next);
}
