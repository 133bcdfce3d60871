// Byte-level rules the schema machine shares for strings (UTF-8 shape) and numbers (JSON grammar).
import type { NumPhase } from "./frames.js";

const DIGIT = (b: number): boolean => b >= 0x30 && b <= 0x39;

/**
 * Where a string's UTF-8 stands between bytes: continuation bytes still owed by the current
 * character and the range the next one must fall in (it narrows after E0, ED, F0 and F4).
 */
export interface Utf8State {
  readonly pending: number;
  readonly lo: number;
  readonly hi: number;
}

export const UTF8_START: Utf8State = { pending: 0, lo: 0x80, hi: 0xbf };
/** The state after a byte that leaves `n` unrestricted continuation bytes owed (index n). */
const CONTINUE: readonly Utf8State[] = [
  UTF8_START,
  { pending: 1, lo: 0x80, hi: 0xbf },
  { pending: 2, lo: 0x80, hi: 0xbf },
  { pending: 3, lo: 0x80, hi: 0xbf },
];

/**
 * Well-formed UTF-8 only (Unicode Table 3-7: no overlong forms, surrogates or code points past
 * U+10FFFF), so a decoder never has to substitute U+FFFD and characters count as they decode.
 * The state after byte `b`, or undefined when `b` cannot come next.
 */
export function utf8Next(s: Utf8State, b: number): Utf8State | undefined {
  if (s.pending > 0) return b < s.lo || b > s.hi ? undefined : CONTINUE[s.pending - 1];
  if (b < 0x80) return UTF8_START;
  if (b < 0xc2 || b > 0xf4) return undefined;
  const pending = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
  if (b === 0xe0) return { pending, lo: 0xa0, hi: 0xbf };
  if (b === 0xed) return { pending, lo: 0x80, hi: 0x9f };
  if (b === 0xf0) return { pending, lo: 0x90, hi: 0xbf };
  if (b === 0xf4) return { pending, lo: 0x80, hi: 0x8f };
  return CONTINUE[pending];
}

/** The number phase after byte `b`, or undefined when `b` cannot continue the number. */
export function numStep(phase: NumPhase, b: number, integer: boolean): NumPhase | undefined {
  const digit = DIGIT(b);
  const c = String.fromCharCode(b);
  const fracOrExp = (): NumPhase | undefined =>
    integer ? undefined : c === "." ? "dot" : c === "e" || c === "E" ? "e" : undefined;
  switch (phase) {
    case "start":
      if (c === "-") return "sign";
      return c === "0" ? "zero" : digit ? "int" : undefined;
    case "sign":
      return c === "0" ? "zero" : digit ? "int" : undefined;
    case "zero":
      return fracOrExp();
    case "int":
      return digit ? "int" : fracOrExp();
    case "dot":
      return digit ? "frac" : undefined;
    case "frac":
      return digit ? "frac" : c === "e" || c === "E" ? "e" : undefined;
    case "e":
      return c === "+" || c === "-" ? "e-sign" : digit ? "exp" : undefined;
    case "e-sign":
    case "exp":
      return digit ? "exp" : undefined;
  }
}
