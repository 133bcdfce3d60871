// The shortest compact JSON text that is a valid instance of a compiled schema, or undefined when
// the schema has no finite instance (e.g. an object that requires itself). Used to close the JSON
// when the token budget runs out and to drop alternatives that could never be completed.
import type { Alt, ArrayAlt, ObjectAlt, Prop, SchemaNode } from "./compile.js";

interface Result {
  text: string | undefined;
  /** True when a cycle was cut below, so the result holds only for this walk (not memoized). */
  partial: boolean;
}

const memo = new WeakMap<SchemaNode, string | null>();
const altMemo = new WeakMap<Alt, string | null>();

export function minimalInstance(node: SchemaNode): string | undefined {
  return walkNode(node, new Set()).text;
}

/** The shortest instance of one alternative (memoized: called each time a value starts). */
export function minimalAlt(alt: Alt): string | undefined {
  const known = altMemo.get(alt);
  if (known !== undefined) return known ?? undefined;
  const r = walkAlt(alt, new Set());
  if (!r.partial) altMemo.set(alt, r.text ?? null);
  return r.text;
}

export function minimalProp(p: Prop): string | undefined {
  const value = minimalInstance(p.node);
  return value === undefined ? undefined : `${p.keyText}${value}`;
}

/** `"k":v` for each required property from `from` on, joined by commas. */
export function requiredTail(alt: ObjectAlt, from: number): string | undefined {
  const parts: string[] = [];
  for (const p of alt.props.slice(from)) {
    if (!p.required) continue;
    const text = minimalProp(p);
    if (text === undefined) return undefined;
    parts.push(text);
  }
  return parts.join(",");
}

export function minimalItem(alt: ArrayAlt): string | undefined {
  return minimalInstance(alt.items);
}

function walkNode(node: SchemaNode, active: Set<SchemaNode>): Result {
  const known = memo.get(node);
  if (known !== undefined) return { text: known ?? undefined, partial: false };
  if (active.has(node)) return { text: undefined, partial: true };
  active.add(node);
  let best: string | undefined;
  let partial = false;
  for (const alt of node.alts) {
    const r = walkAlt(alt, active);
    partial ||= r.partial;
    if (r.text !== undefined && (best === undefined || r.text.length < best.length)) best = r.text;
  }
  active.delete(node);
  if (!partial) memo.set(node, best ?? null);
  return { text: best, partial };
}

function walkAlt(alt: Alt, active: Set<SchemaNode>): Result {
  switch (alt.kind) {
    case "literal":
      return { text: alt.text, partial: false };
    case "string":
      if (alt.minLength > alt.maxLength) return { text: undefined, partial: false };
      return { text: `"${"a".repeat(alt.minLength)}"`, partial: false };
    case "number":
    case "any":
      return { text: "0", partial: false };
    case "any-object":
      return { text: "{}", partial: false };
    case "node":
      return walkNode(alt.node, active);
    case "object": {
      const parts: string[] = [];
      let partial = false;
      for (const p of alt.props) {
        if (!p.required) continue;
        const r = walkNode(p.node, active);
        partial ||= r.partial;
        if (r.text === undefined) return { text: undefined, partial };
        parts.push(`${p.keyText}${r.text}`);
      }
      return { text: `{${parts.join(",")}}`, partial };
    }
    case "array": {
      if (alt.minItems > alt.maxItems) return { text: undefined, partial: false };
      if (alt.minItems === 0) return { text: "[]", partial: false };
      const r = walkNode(alt.items, active);
      if (r.text === undefined) return r;
      return { text: `[${Array(alt.minItems).fill(r.text).join(",")}]`, partial: r.partial };
    }
  }
}
