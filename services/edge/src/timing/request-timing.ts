// A per-request stopwatch: handlers mark the end of each phase, and the result is rendered like
// Server-Timing (`auth;dur=1.2, reserve;dur=0.4, ...`) for the X-Timing header or a final SSE
// comment. A phase's duration runs from the previous marked phase (or the request's arrival).
import { performance } from "node:perf_hooks";

export const PHASES = ["auth", "reserve", "dispatch", "ttft", "generation"] as const;
export type Phase = (typeof PHASES)[number];

export class RequestTiming {
  readonly #startMs: number;
  readonly #marks = new Map<Phase, number>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#startMs = now();
  }

  /** Records that a phase ended now (a later mark of the same phase replaces it). */
  mark(phase: Phase): void {
    this.#marks.set(phase, this.#now());
  }

  /** Milliseconds from the request's arrival to the phase's mark (undefined: not reached). */
  sinceStart(phase: Phase): number | undefined {
    const at = this.#marks.get(phase);
    return at === undefined ? undefined : at - this.#startMs;
  }

  /** Milliseconds since the request's arrival. */
  elapsed(): number {
    return this.#now() - this.#startMs;
  }

  has(phase: Phase): boolean {
    return this.#marks.has(phase);
  }

  /** Durations in ms of the marked phases, in order, plus `total`. */
  durations(): [string, number][] {
    const out: [string, number][] = [];
    let previous = this.#startMs;
    for (const phase of PHASES) {
      const at = this.#marks.get(phase);
      if (at === undefined) continue;
      out.push([phase, Math.max(0, at - previous)]);
      previous = at;
    }
    out.push(["total", this.#now() - this.#startMs]);
    return out;
  }

  header(): string {
    return this.durations()
      .map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`)
      .join(", ");
  }
}
