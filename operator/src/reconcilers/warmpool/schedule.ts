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
