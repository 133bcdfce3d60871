// A byte-level acceptor for compact JSON that is a valid instance of a compiled JSON Schema: the
// same interface as JsonMachine, so JsonConstraint masks logits with either. Alternatives (anyOf,
// enum, type lists, which optional property comes next) run side by side as threads; a thread is
// an immutable stack of frames, so clone() copies one array reference and push() allocates only
// the frames it changes. closingSuffix() is the shortest completion of any live thread.
import { ANY, type Alt, type ArrayAlt, type SchemaNode } from "@darkbloom/model-contract";
import { closing } from "./closing.js";
import { ACCEPTING, type Frame, type ObjPhase, type Task, type Thread } from "./frames.js";
import { minimalAlt, minimalInstance } from "@darkbloom/model-contract";
import { numStep, UTF8_START, utf8Next } from "./bytes.js";

const MAX_THREADS = 256;
const enc = new TextEncoder();
const lit = (text: string): Task => ({ t: "lit", bytes: enc.encode(text), text, pos: 0 });
const ANY_ARRAY: ArrayAlt = { kind: "array", items: ANY, minItems: 0, maxItems: Infinity };
const ANY_VALUE: Alt[] = [
  { kind: "literal", text: "true" },
  { kind: "literal", text: "false" },
  { kind: "literal", text: "null" },
  { kind: "string", minLength: 0, maxLength: Infinity },
  { kind: "number", integer: false },
  { kind: "any-object" },
  ANY_ARRAY,
];
const ANY_AFTER_KEY: SchemaNode = ANY;

export class JsonSchemaMachine {
  #threads: readonly Thread[];

  constructor(
    root: SchemaNode | null,
    readonly maxDepth = 32,
  ) {
    this.#threads = root ? [{ task: { t: "value", node: root }, next: null, depth: 0 }] : [];
  }

  get done(): boolean {
    return this.#threads.includes(null);
  }

  get inPlainText(): boolean {
    return this.#threads.length === 1 && plainStringByte(this.#threads[0] ?? null, 0x61);
  }

  clone(): JsonSchemaMachine {
    const c = new JsonSchemaMachine(null, this.maxDepth);
    c.#threads = this.#threads; // frames are immutable: sharing them is a copy
    return c;
  }

  pushAll(bytes: Uint8Array): boolean {
    for (const b of bytes) if (!this.push(b)) return false;
    return true;
  }

  push(b: number): boolean {
    if (this.#threads.length === 1 && plainStringByte(this.#threads[0] ?? null, b)) return true;
    const out: Thread[] = [];
    for (const t of this.#threads) if (t !== null) this.#advance(t, b, out, undefined);
    if (out.length === 0) return false;
    // Each thread is a valid path: dropping the surplus narrows choices, never validity, and keeps
    // a schema built to be ambiguous at every level from multiplying threads per byte.
    this.#threads = out.length > MAX_THREADS ? out.slice(0, MAX_THREADS) : out;
    return true;
  }

  closingSuffix(): string {
    let best: string | undefined;
    for (const t of this.#threads) {
      const c = closing(t);
      if (c !== undefined && (best === undefined || c.length < best.length)) best = c;
    }
    return best ?? "";
  }

  /** `seen`: nodes being expanded at this byte (cuts anyOf / $ref cycles that consume nothing). */
  #advance(f: Frame, b: number, out: Thread[], seen: Set<SchemaNode> | undefined): void {
    const task = f.task;
    const to = (t: Task, next = f.next, depth = f.depth): void => {
      out.push({ task: t, next, depth });
    };
    switch (task.t) {
      case "value":
        if (seen?.has(task.node)) return;
        seen ??= new Set();
        seen.add(task.node);
        for (const alt of task.node.alts) this.#start(alt, f, b, out, seen);
        seen.delete(task.node);
        return;
      case "lit":
        if (task.bytes[task.pos] !== b) return;
        if (task.pos + 1 === task.bytes.length) out.push(f.next);
        else to({ ...task, pos: task.pos + 1 });
        return;
      case "str":
        if (task.open) return void (b === 0x22 && to({ ...task, open: false }));
        if (task.utf8.pending > 0) {
          const utf8 = utf8Next(task.utf8, b);
          if (utf8) to({ ...task, utf8 });
          return;
        }
        if (b === 0x22) return void (task.chars >= task.min && out.push(f.next));
        if (b < 0x20 || b === 0x5c || b === 0x7f) return;
        const utf8 = utf8Next(UTF8_START, b);
        if (utf8 && task.chars < task.max) to({ ...task, chars: task.chars + 1, utf8 });
        return;
      case "num": {
        const phase = numStep(task.phase, b, task.integer);
        if (phase) return to({ ...task, phase });
        if (ACCEPTING.has(task.phase) && f.next) this.#advance(f.next, b, out, undefined);
        return;
      }
      case "obj":
        return this.#object(f, task, b, out);
      case "arr":
        return this.#array(f, task, b, out);
    }
  }

  #start(alt: Alt, f: Frame, b: number, out: Thread[], seen: Set<SchemaNode>): void {
    const go = (task: Task): void =>
      this.#advance({ task, next: f.next, depth: f.depth }, b, out, seen);
    switch (alt.kind) {
      case "literal":
        return go(lit(alt.text));
      case "string":
        if (alt.minLength > alt.maxLength) return;
        return go({
          t: "str",
          open: true,
          min: alt.minLength,
          max: alt.maxLength,
          chars: 0,
          utf8: UTF8_START,
        });
      case "number":
        return go({ t: "num", integer: alt.integer, phase: "start" });
      case "object":
        if (minimalAlt(alt) === undefined) return;
        return go({ t: "obj", alt, phase: "open", next: 0 });
      case "any-object":
        return go({ t: "obj", alt: null, phase: "open", next: 0 });
      case "array":
        if (minimalAlt(alt) === undefined) return;
        return go({ t: "arr", alt, phase: "open", count: 0 });
      case "any":
        for (const a of ANY_VALUE) this.#start(a, f, b, out, seen);
        return;
      case "node":
        return this.#advance(
          { task: { t: "value", node: alt.node }, next: f.next, depth: f.depth },
          b,
          out,
          seen,
        );
    }
  }

  #object(f: Frame, task: Extract<Task, { t: "obj" }>, b: number, out: Thread[]): void {
    const alt = task.alt;
    const props = alt?.props ?? [];
    const requiredLeft = props.slice(task.next).some((p) => p.required);
    const self = (phase: ObjPhase, next = task.next, depth = f.depth): Frame => ({
      task: { ...task, phase, next },
      next: f.next,
      depth,
    });
    switch (task.phase) {
      case "open":
        if (b === 0x7b && f.depth < this.maxDepth) out.push(self("first", 0, f.depth + 1));
        return;
      case "after":
        if (b === 0x7d && !requiredLeft) out.push(f.next);
        else if (b === 0x2c && (alt === null || task.next < props.length)) out.push(self("key"));
        return;
      case "first":
      case "key": {
        if (b === 0x7d && task.phase === "first" && !requiredLeft) return void out.push(f.next);
        if (b !== 0x22) return;
        if (alt === null) {
          const value: Frame = {
            task: { t: "value", node: ANY_AFTER_KEY },
            next: self("after"),
            depth: f.depth,
          };
          const colon: Frame = { task: lit(":"), next: value, depth: f.depth };
          out.push({
            task: { t: "str", open: false, min: 0, max: Infinity, chars: 0, utf8: UTF8_START },
            next: colon,
            depth: f.depth,
          });
          return;
        }
        for (let j = task.next; j < props.length; j++) {
          const p = props[j];
          if (!p) break;
          if (minimalInstance(p.node) !== undefined) {
            const value: Frame = {
              task: { t: "value", node: p.node },
              next: self("after", j + 1),
              depth: f.depth,
            };
            out.push({
              task: { t: "lit", bytes: p.key, text: p.keyText, pos: 1 },
              next: value,
              depth: f.depth,
            });
          }
          if (p.required) break;
        }
        return;
      }
    }
  }

  #array(f: Frame, task: Extract<Task, { t: "arr" }>, b: number, out: Thread[]): void {
    const { minItems, maxItems, items } = task.alt;
    const item = (): Frame => ({
      task: { t: "value", node: items },
      next: {
        task: { ...task, phase: "after", count: task.count + 1 },
        next: f.next,
        depth: f.depth,
      },
      depth: f.depth,
    });
    switch (task.phase) {
      case "open":
        if (b === 0x5b && f.depth < this.maxDepth)
          out.push({ task: { ...task, phase: "first" }, next: f.next, depth: f.depth + 1 });
        return;
      case "first":
        if (b === 0x5d && task.count >= minItems) return void out.push(f.next);
        if (task.count < maxItems) this.#advance(item(), b, out, undefined);
        return;
      case "after":
        if (b === 0x5d && task.count >= minItems) out.push(f.next);
        else if (b === 0x2c && task.count < maxItems) out.push(item());
        return;
    }
  }
}

/**
 * True when `b` is a printable ASCII byte inside a string whose length no longer matters (no
 * maxLength, minLength reached): the thread stays as it is, nothing to allocate (the hot path
 * of free text, where nearly every vocabulary token is tried).
 */
function plainStringByte(t: Thread, b: number): boolean {
  if (t === null || t.task.t !== "str") return false;
  const s = t.task;
  return (
    !s.open &&
    s.utf8.pending === 0 &&
    s.max === Infinity &&
    s.chars >= s.min &&
    b >= 0x20 &&
    b < 0x7f &&
    b !== 0x22 &&
    b !== 0x5c
  );
}
