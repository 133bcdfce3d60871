// Label and field selectors, as list and watch requests carry them.
import { getDotted, type JsonObject } from "./fake-json.js";

type Requirement = (labels: Record<string, string>) => boolean;

export class SelectorError extends Error {}

/** Splits on commas outside parentheses. */
function terms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out.map((t) => t.trim()).filter(Boolean);
}

export function parseLabelSelector(s: string | null): Requirement {
  if (!s) return () => true;
  const reqs: Requirement[] = terms(s).map((t) => {
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
    if (m) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const values = list.split(",").map((v) => v.trim());
      return op === "in"
        ? (l) => key in l && values.includes(l[key] as string)
        : (l) => !(key in l) || !values.includes(l[key] as string);
    }
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(t);
    if (m) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      return op === "!=" ? (l) => l[key] !== value : (l) => l[key] === value;
    }
    m = /^(!?)([\w./-]+)$/.exec(t);
    if (m) {
      const [, not, key] = m as unknown as [string, string, string];
      return not ? (l) => !(key in l) : (l) => key in l;
    }
    throw new SelectorError(`unable to parse requirement: ${t}`);
  });
  return (labels) => reqs.every((r) => r(labels));
}

export function parseFieldSelector(s: string | null): (obj: JsonObject) => boolean {
  if (!s) return () => true;
  const reqs = terms(s).map((t) => {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(t);
    if (!m) throw new SelectorError(`invalid field selector: ${t}`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    return (obj: JsonObject) => {
      const actual = getDotted(obj, field);
      const text =
        typeof actual === "string" || typeof actual === "number" || typeof actual === "boolean"
          ? String(actual)
          : "";
      return op === "!=" ? text !== value : text === value;
    };
  });
  return (obj) => reqs.every((r) => r(obj));
}

/** A LabelSelector object ({matchLabels, matchExpressions}) as the string form. */
export function labelSelectorString(sel: unknown): string {
  if (typeof sel !== "object" || sel === null) return "";
  const { matchLabels = {}, matchExpressions = [] } = sel as {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
  const parts = Object.entries(matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const e of matchExpressions) {
    if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(",")})`);
  }
  return parts.join(",");
}
