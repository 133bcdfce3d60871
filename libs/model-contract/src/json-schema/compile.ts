// Compiles a JSON Schema (the documented subset, see docs/api-behaviour.md) into the alternatives
// the schema byte machine walks. Keywords that constrain values but are not enforced (`pattern`,
// `format`, `minimum`, ...) are ignored; keywords that change the structure in ways the machine
// cannot follow throw SchemaUnsupportedError naming the JSON path of the offending keyword.

export class SchemaUnsupportedError extends Error {
  override readonly name = "SchemaUnsupportedError";
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** A compiled schema: any one of its alternatives. */
export interface SchemaNode {
  alts: Alt[];
}

export interface Prop {
  name: string;
  /** `"name":` as text and as UTF-8 bytes. */
  keyText: string;
  key: Uint8Array;
  node: SchemaNode;
  required: boolean;
}

export type ObjectAlt = { kind: "object"; props: Prop[] };
export type ArrayAlt = { kind: "array"; items: SchemaNode; minItems: number; maxItems: number };

export type Alt =
  | { kind: "literal"; text: string }
  | { kind: "string"; minLength: number; maxLength: number }
  | { kind: "number"; integer: boolean }
  | ObjectAlt
  | { kind: "any-object" }
  | ArrayAlt
  | { kind: "any" }
  /** Another node (anyOf branch, $ref): expanded when a value starts, cycles cut there. */
  | { kind: "node"; node: SchemaNode };

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
/** Path segments; deeper schemas are refused rather than risk the stack (sealed bodies skip the edge). */
const MAX_NESTING = 200;
const TYPES = ["string", "number", "integer", "boolean", "null", "object", "array"];

const count = (v: unknown, path: string): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
    throw new SchemaUnsupportedError(path, "must be a non-negative integer");
  return v;
};

export const ANY: SchemaNode = { alts: [{ kind: "any" }] };

/** Compiles `root`; `$ref`s resolve as JSON pointers inside it (`#/$defs/x`, `#/definitions/x`, `#`). */
export function compileSchema(root: unknown, rootPath = "schema"): SchemaNode {
  const byPointer = new Map<string, SchemaNode>();

  const resolve = (ref: string, path: string): SchemaNode => {
    const known = byPointer.get(ref);
    if (known) return known;
    if (ref !== "#" && !ref.startsWith("#/"))
      throw new SchemaUnsupportedError(
        `${path}.$ref`,
        `only local $refs (#/$defs/...) are supported`,
      );
    let target: unknown = root;
    for (const raw of ref === "#" ? [] : ref.slice(2).split("/")) {
      const part = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
      target =
        typeof target === "object" && target !== null
          ? (target as Record<string, unknown>)[part]
          : undefined;
      if (target === undefined)
        throw new SchemaUnsupportedError(`${path}.$ref`, `$ref ${ref} not found`);
    }
    const node: SchemaNode = { alts: [] };
    byPointer.set(ref, node);
    node.alts = compile(target, `${rootPath}${ref.slice(1).replaceAll("/", ".")}`).alts;
    return node;
  };

  const compile = (schema: unknown, path: string): SchemaNode => {
    if (schema === true) return ANY;
    if (path.split(".").length > MAX_NESTING)
      throw new SchemaUnsupportedError(path, `nested deeper than ${MAX_NESTING}`);
    if (typeof schema !== "object" || schema === null || Array.isArray(schema))
      throw new SchemaUnsupportedError(path, "a schema must be an object");
    const s = schema as Record<string, unknown>;
    for (const k of UNSUPPORTED)
      if (k in s) throw new SchemaUnsupportedError(`${path}.${k}`, `${k} is not supported`);
    if (typeof s.$ref === "string")
      return { alts: [{ kind: "node", node: resolve(s.$ref, path) }] };
    if ("const" in s) return { alts: [{ kind: "literal", text: JSON.stringify(s.const) }] };
    if ("enum" in s) {
      if (!Array.isArray(s.enum) || s.enum.length === 0)
        throw new SchemaUnsupportedError(`${path}.enum`, "enum must be a non-empty array");
      return { alts: s.enum.map((v) => ({ kind: "literal", text: JSON.stringify(v) })) };
    }
    if ("anyOf" in s) {
      if (!Array.isArray(s.anyOf) || s.anyOf.length === 0)
        throw new SchemaUnsupportedError(`${path}.anyOf`, "anyOf must be a non-empty array");
      return {
        alts: s.anyOf.map((b, i) => ({ kind: "node", node: compile(b, `${path}.anyOf.${i}`) })),
      };
    }
    return { alts: typesOf(s, path).map((t) => typed(t, s, path)) };
  };

  const typed = (type: string, s: Record<string, unknown>, path: string): Alt => {
    switch (type) {
      case "string":
        return {
          kind: "string",
          minLength: count(s.minLength, `${path}.minLength`) ?? 0,
          maxLength: count(s.maxLength, `${path}.maxLength`) ?? Infinity,
        };
      case "number":
      case "integer":
        return { kind: "number", integer: type === "integer" };
      case "boolean":
        return { kind: "node", node: { alts: ["true", "false"].map(literal) } };
      case "null":
        return literal("null");
      case "object":
        return objectAlt(s, path);
      case "array":
        return arrayAlt(s, path);
      default:
        return { kind: "any" };
    }
  };

  const objectAlt = (s: Record<string, unknown>, path: string): Alt => {
    const extra = s.additionalProperties;
    if (extra !== undefined && typeof extra !== "boolean")
      throw new SchemaUnsupportedError(
        `${path}.additionalProperties`,
        "additionalProperties must be true or false (a schema is not supported)",
      );
    const props = s.properties;
    if (props === undefined) return { kind: "any-object" };
    if (typeof props !== "object" || props === null || Array.isArray(props))
      throw new SchemaUnsupportedError(`${path}.properties`, "properties must be an object");
    const required = s.required ?? [];
    if (!Array.isArray(required) || required.some((r) => typeof r !== "string"))
      throw new SchemaUnsupportedError(`${path}.required`, "required must be a list of names");
    for (const r of required as string[])
      if (!(r in props))
        throw new SchemaUnsupportedError(`${path}.required`, `${r} is not in properties`);
    return {
      kind: "object",
      props: Object.entries(props as Record<string, unknown>).map(([name, sub]) => ({
        name,
        keyText: `${JSON.stringify(name)}:`,
        key: Buffer.from(`${JSON.stringify(name)}:`),
        node: compile(sub, `${path}.properties.${name}`),
        required: (required as string[]).includes(name),
      })),
    };
  };

  const arrayAlt = (s: Record<string, unknown>, path: string): ArrayAlt => {
    if (Array.isArray(s.items))
      throw new SchemaUnsupportedError(`${path}.items`, "tuple items are not supported");
    const minItems = count(s.minItems, `${path}.minItems`) ?? 0;
    const maxItems = count(s.maxItems, `${path}.maxItems`) ?? Infinity;
    const items = s.items === undefined ? ANY : compile(s.items, `${path}.items`);
    return { kind: "array", items, minItems, maxItems };
  };

  return compile(root, rootPath);
}

function literal(text: string): Alt {
  return { kind: "literal", text };
}

function typesOf(s: Record<string, unknown>, path: string): string[] {
  const t = s.type;
  if (t === undefined) {
    if ("properties" in s) return ["object"];
    if ("items" in s) return ["array"];
    return ["any"];
  }
  const list = Array.isArray(t) ? (t as unknown[]) : [t];
  if (list.length === 0 || list.some((x) => typeof x !== "string" || !TYPES.includes(x)))
    throw new SchemaUnsupportedError(`${path}.type`, `type must be one of ${TYPES.join(", ")}`);
  // OpenAPI's `nullable: true` (zod's OpenAI helper writes it) is the type list plus null.
  return s.nullable === true && !list.includes("null")
    ? [...(list as string[]), "null"]
    : (list as string[]);
}
