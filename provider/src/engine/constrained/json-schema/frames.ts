// The state of a JsonSchemaMachine thread: immutable frames, each a task and what follows it.
import type { Utf8State } from "./bytes.js";
import type { ObjectAlt, ArrayAlt, SchemaNode } from "@darkbloom/model-contract";

export type NumPhase = "start" | "sign" | "zero" | "int" | "dot" | "frac" | "e" | "e-sign" | "exp";
export type ObjPhase = "open" | "first" | "after" | "key";

export type Task =
  | { t: "value"; node: SchemaNode }
  | { t: "lit"; bytes: Uint8Array; text: string; pos: number }
  /** `utf8`: where the last character's UTF-8 bytes stand. */
  | { t: "str"; open: boolean; min: number; max: number; chars: number; utf8: Utf8State }
  | { t: "num"; integer: boolean; phase: NumPhase }
  /** `alt` null: any JSON object (free keys, any values). */
  | { t: "obj"; alt: ObjectAlt | null; phase: ObjPhase; next: number }
  | { t: "arr"; alt: ArrayAlt; phase: "open" | "first" | "after"; count: number };

export interface Frame {
  readonly task: Task;
  /** What follows once this task's value is complete; null: the root is complete. */
  readonly next: Frame | null;
  /** Containers open around this frame. */
  readonly depth: number;
  /** Memoized closing of this frame and everything after it; null when it cannot be closed. */
  closing?: string | null;
}

export type Thread = Frame | null;

/** Number phases after which the number may end. */
export const ACCEPTING: ReadonlySet<NumPhase> = new Set(["zero", "int", "frac", "exp"]);
