// The shortest bytes that complete a JsonSchemaMachine thread into a valid instance, memoized on
// the (immutable) frames so clones share the work.
import { ACCEPTING, type Task, type Thread } from "./frames.js";
import {
  minimalAlt,
  minimalInstance,
  minimalItem,
  minimalProp,
  requiredTail,
} from "@darkbloom/model-contract";

const dec = new TextDecoder();

/** The shortest bytes completing this thread, or undefined when it cannot complete. */
export function closing(t: Thread): string | undefined {
  if (t === null) return "";
  if (t.closing !== undefined) return t.closing ?? undefined;
  const own = ownClosing(t.task);
  const rest = own === undefined ? undefined : closing(t.next);
  const text = own === undefined || rest === undefined ? undefined : own + rest;
  t.closing = text ?? null;
  return text;
}

function ownClosing(task: Task): string | undefined {
  switch (task.t) {
    case "value":
      return minimalInstance(task.node);
    case "lit":
      return dec.decode(task.bytes.subarray(task.pos));
    case "str":
      return `${task.open ? '"' : ""}${"a".repeat(Math.max(0, task.min - task.chars))}"`;
    case "num":
      return ACCEPTING.has(task.phase) ? "" : "0";
    case "obj":
      return objectClosing(task);
    case "arr": {
      if (task.phase === "open") return minimalAlt(task.alt);
      const need = Math.max(0, task.alt.minItems - task.count);
      if (need === 0) return "]";
      const item = minimalItem(task.alt);
      if (item === undefined) return undefined;
      const items = Array<string>(need).fill(item).join(",");
      return `${task.phase === "after" ? "," : ""}${items}]`;
    }
  }
}

function objectClosing(task: Extract<Task, { t: "obj" }>): string | undefined {
  const alt = task.alt;
  if (alt === null) return task.phase === "open" ? "{}" : task.phase === "key" ? '"":0}' : "}";
  if (task.phase === "open") return minimalAlt(alt);
  if (task.phase !== "key") {
    const tail = requiredTail(alt, task.next);
    if (tail === undefined) return undefined;
    return `${tail && task.phase === "after" ? "," : ""}${tail}}`;
  }
  let best: string | undefined;
  for (let j = task.next; j < alt.props.length; j++) {
    const p = alt.props[j];
    if (!p) break;
    const head = minimalProp(p);
    const tail = requiredTail(alt, j + 1);
    if (head !== undefined && tail !== undefined) {
      const text = `${head}${tail ? "," : ""}${tail}}`;
      if (best === undefined || text.length < best.length) best = text;
    }
    if (p.required) break;
  }
  return best;
}
