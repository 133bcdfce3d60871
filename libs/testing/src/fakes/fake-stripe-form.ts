// Stripe's request encoding: application/x-www-form-urlencoded with bracketed keys
// (`line_items[0][price_data][unit_amount]=500`), decoded into nested objects and arrays.

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

export function parseStripeForm(body: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split(/\[|\]\[|\]/).filter((part) => part.length > 0);
    setPath(root, path, value);
  }
  return root;
}

function setPath(target: FormObject | FormValue[], path: readonly string[], value: string): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const index = Array.isArray(target) ? Number(head) : head;
  const slot = target as Record<string | number, FormValue | undefined>;
  if (rest.length === 0) {
    slot[index] = value;
    return;
  }
  const next = slot[index] ?? (/^\d+$/.test(rest[0] ?? "") ? [] : {});
  slot[index] = next;
  if (typeof next !== "string") setPath(next, rest, value);
}

export function formString(
  form: FormObject,
  ...path: readonly (string | number)[]
): string | undefined {
  let node: FormValue | undefined = form;
  for (const part of path) {
    if (node === undefined || typeof node === "string") return undefined;
    node = Array.isArray(node) ? node[Number(part)] : node[String(part)];
  }
  return typeof node === "string" ? node : undefined;
}
