// Checks a structured-output schema against the subset the provider's constrained decoder follows
// (docs/api-behaviour.md "Structured outputs"), so an unsupported schema is a 400 before dispatch.
// The provider compiles the same subset (provider/src/engine/json-schema-compile.ts) and refuses
// what it cannot follow; keep the two keyword lists in step.

const UNSUPPORTED = [
  "allOf",
  "oneOf",
  "not",
  "if",
  "then",
  "else",
  "patternProperties",
  "propertyNames",
  "dependentRequired",
  "dependentSchemas",
  "dependencies",
  "prefixItems",
  "additionalItems",
  "contains",
  "unevaluatedProperties",
  "unevaluatedItems",
  "$dynamicRef",
  "$recursiveRef",
];
const TYPES = ["string", "number", "integer", "boolean", "null", "object", "array"];
const COUNTS = ["minLength", "maxLength", "minItems", "maxItems"];
/** Path segments; deeper schemas are refused (the decoder nests at most 32 containers anyway). */
const MAX_NESTING = 200;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The first problem with `root` as `path` (`schema.properties.a.allOf: ...`), or undefined. */
export function jsonSchemaProblem(root: unknown, path = "schema"): string | undefined {
  const resolve = (ref: string): unknown => {
    if (ref !== "#" && !ref.startsWith("#/")) return undefined;
    let target: unknown = root;
    for (const raw of ref === "#" ? [] : ref.slice(2).split("/")) {
      const part = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
      target = isObj(target) ? target[part] : undefined;
    }
    return target;
  };

  const check = (s: unknown, at: string): string | undefined => {
    if (s === true) return undefined;
    if (at.split(".").length > MAX_NESTING) return `${at}: nested deeper than ${MAX_NESTING}`;
    if (!isObj(s)) return `${at}: a schema must be an object`;
    for (const k of UNSUPPORTED) if (k in s) return `${at}.${k}: ${k} is not supported`;
    if ("$ref" in s) {
      const ref = s.$ref;
      if (typeof ref !== "string" || resolve(ref) === undefined)
        return `${at}.$ref: only local $refs that resolve (#/$defs/...) are supported`;
      return checkDefs(s, at); // the target is checked where it sits ($defs / definitions)
    }
    for (const k of COUNTS) {
      const v = s[k];
      if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v >= 0))
        return `${at}.${k}: must be a non-negative integer`;
    }
    if ("enum" in s && (!Array.isArray(s.enum) || s.enum.length === 0))
      return `${at}.enum: must be a non-empty array`;
    if ("anyOf" in s) {
      if (!Array.isArray(s.anyOf) || s.anyOf.length === 0)
        return `${at}.anyOf: must be a non-empty array`;
      for (const [i, b] of s.anyOf.entries()) {
        const p = check(b, `${at}.anyOf.${i}`);
        if (p) return p;
      }
    }
    const types: unknown[] = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
    const known = (t: unknown): boolean => typeof t === "string" && TYPES.includes(t);
    if (s.type !== undefined && (types.length === 0 || !types.every(known)))
      return `${at}.type: must be one of ${TYPES.join(", ")}`;
    const extra = s.additionalProperties;
    if (extra !== undefined && typeof extra !== "boolean")
      return `${at}.additionalProperties: must be true or false (a schema is not supported)`;
    if (Array.isArray(s.items)) return `${at}.items: tuple items are not supported`;
    if (s.items !== undefined) {
      const p = check(s.items, `${at}.items`);
      if (p) return p;
    }
    return checkObject(s, at) ?? checkDefs(s, at);
  };

  const checkObject = (s: Obj, at: string): string | undefined => {
    const props = s.properties ?? {};
    if (!isObj(props)) return `${at}.properties: must be an object`;
    const required = s.required ?? [];
    if (!Array.isArray(required) || required.some((r) => typeof r !== "string"))
      return `${at}.required: must be a list of names`;
    for (const r of required as string[])
      if (!(r in props)) return `${at}.required: ${r} is not in properties`;
    for (const [name, sub] of Object.entries(props)) {
      const p = check(sub, `${at}.properties.${name}`);
      if (p) return p;
    }
    return undefined;
  };

  const checkDefs = (s: Obj, at: string): string | undefined => {
    for (const key of ["$defs", "definitions"]) {
      const defs = s[key];
      if (!isObj(defs)) continue;
      for (const [name, sub] of Object.entries(defs)) {
        const p = check(sub, `${at}.${key}.${name}`);
        if (p) return p;
      }
    }
    return undefined;
  };

  return check(root, path) ?? (isObjectSchema(root, resolve, 0) ? undefined : rootProblem(path));
}

const rootProblem = (path: string): string => `${path}: the root must be an object schema`;

function isObjectSchema(s: unknown, resolve: (ref: string) => unknown, hops: number): boolean {
  if (!isObj(s) || hops > 32) return false;
  if (typeof s.$ref === "string") return isObjectSchema(resolve(s.$ref), resolve, hops + 1);
  if (Array.isArray(s.anyOf)) return s.anyOf.every((b) => isObjectSchema(b, resolve, hops + 1));
  if (s.type === undefined) return "properties" in s;
  return (
    s.type === "object" || (Array.isArray(s.type) && s.type.length === 1 && s.type[0] === "object")
  );
}
