// A tiny OpenAPI v3 (structural schema) builder that also carries the TypeScript type of the data
// it describes: the CRD YAML and the operator's types come from the same expressions.

/** The subset of a Kubernetes structural schema the Darkbloom CRDs use. */
export interface JsonSchema {
  type?: "object" | "array" | "string" | "integer" | "boolean" | "number";
  description?: string;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema;
  enum?: (string | number)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
  "x-kubernetes-int-or-string"?: true;
  "x-kubernetes-preserve-unknown-fields"?: true;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-validations"?: { rule: string; message: string; messageExpression?: string }[];
}

/** A schema plus the (phantom) type of the values it accepts. */
export interface Schema<T> {
  readonly schema: JsonSchema;
  /** Never set: only carries `T` for {@link Infer}. */
  readonly _type?: T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type Extra = Omit<JsonSchema, "type" | "properties" | "required" | "items">;

const make = <T>(schema: JsonSchema): Schema<T> => ({ schema });

export const str = (extra: Extra = {}): Schema<string> => make({ type: "string", ...extra });
export const int32 = (extra: Extra = {}): Schema<number> =>
  make({ type: "integer", format: "int32", ...extra });
export const int64 = (extra: Extra = {}): Schema<number> =>
  make({ type: "integer", format: "int64", ...extra });
export const bool = (extra: Extra = {}): Schema<boolean> => make({ type: "boolean", ...extra });
export const enumOf = <const V extends readonly string[]>(
  values: V,
  extra: Extra = {},
): Schema<V[number]> => make({ type: "string", enum: [...values], ...extra });
export const intOrString = (extra: Extra = {}): Schema<number | string> =>
  make({ "x-kubernetes-int-or-string": true, ...extra });
export const arr = <T>(items: Schema<T>, extra: Extra = {}): Schema<T[]> =>
  make({ type: "array", items: items.schema, ...extra });
export const mapOf = <T>(values: Schema<T>, extra: Extra = {}): Schema<Record<string, T>> =>
  make({ type: "object", additionalProperties: values.schema, ...extra });

type Props = Record<string, Schema<unknown>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ObjectOf<P extends Props, R extends keyof P> = Simplify<
  { [K in R]: Infer<P[K]> } & { [K in Exclude<keyof P, R>]?: Infer<P[K]> }
>;

/** An object with the given properties; `required` lists the ones that must be present. */
export function obj<P extends Props, R extends keyof P & string = never>(
  properties: P,
  required: readonly R[] = [],
  extra: Extra = {},
): Schema<ObjectOf<P, R>> {
  const props: Record<string, JsonSchema> = {};
  for (const [name, s] of Object.entries(properties)) props[name] = s.schema;
  return make({
    type: "object",
    ...extra,
    properties: props,
    ...(required.length ? { required: [...required] } : {}),
  });
}
