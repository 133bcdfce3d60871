// For tests only: a plain recursive validator of the documented JSON Schema subset, written
// independently of the byte machine, to check that what the machine accepts is a valid instance.

type Schema = Record<string, unknown> | boolean;

const typeOf = (v: unknown): string =>
  v === null
    ? "null"
    : Array.isArray(v)
      ? "array"
      : typeof v === "number"
        ? Number.isInteger(v)
          ? "integer"
          : "number"
        : typeof v;

/** The first problem with `value` against `schema` (a path and reason), or undefined when valid. */
export function schemaProblem(
  value: unknown,
  schema: Schema,
  root: Schema = schema,
  at = "$",
): string | undefined {
  if (schema === true) return undefined;
  if (schema === false) return `${at}: no value allowed`;
  if (typeof schema.$ref === "string") {
    let target: unknown = root;
    for (const part of schema.$ref.slice(2).split("/").filter(Boolean))
      target = (target as Record<string, unknown>)[part];
    return schemaProblem(value, target as Schema, root, at);
  }
  if ("const" in schema && JSON.stringify(schema.const) !== JSON.stringify(value))
    return `${at}: not the const`;
  if (
    Array.isArray(schema.enum) &&
    !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))
  )
    return `${at}: not in enum`;
  if (Array.isArray(schema.anyOf)) {
    const ok = schema.anyOf.some((s) => schemaProblem(value, s as Schema, root, at) === undefined);
    if (!ok) return `${at}: matches no anyOf branch`;
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type)
      ? [...(schema.type as string[])]
      : [schema.type as string];
    if (schema.nullable === true) types.push("null");
    const t = typeOf(value);
    if (!types.includes(t) && !(t === "integer" && types.includes("number")))
      return `${at}: ${t} is not ${types.join("|")}`;
  }
  if (typeof value === "string") {
    const chars = [...value].length;
    if (typeof schema.minLength === "number" && chars < schema.minLength) return `${at}: too short`;
    if (typeof schema.maxLength === "number" && chars > schema.maxLength) return `${at}: too long`;
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems)
      return `${at}: too few items`;
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
      return `${at}: too many items`;
    if (schema.items !== undefined)
      for (const [i, v] of value.entries()) {
        const p = schemaProblem(v, schema.items as Schema, root, `${at}[${i}]`);
        if (p) return p;
      }
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const props = schema.properties as Record<string, Schema> | undefined;
    for (const r of (schema.required as string[] | undefined) ?? [])
      if (!(r in value)) return `${at}: missing ${r}`;
    for (const [k, v] of Object.entries(value)) {
      const sub = props?.[k];
      if (sub === undefined) {
        if (props !== undefined && schema.additionalProperties !== true)
          return `${at}: unexpected ${k}`;
        continue;
      }
      const p = schemaProblem(v, sub, root, `${at}.${k}`);
      if (p) return p;
    }
  }
  return undefined;
}
