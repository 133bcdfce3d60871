// Byte-level rules the schema machine shares for strings (UTF-8 shape) and numbers (JSON grammar).
import type { NumPhase } from "./json-schema-frames.js";

const DIGIT = (b: number): boolean => b >= 0x30 && b <= 0x39;

/** How many continuation bytes follow a UTF-8 lead byte. */
export const utf8Tail = (b: number): number => (b < 0x80 ? 0 : b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3);

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
