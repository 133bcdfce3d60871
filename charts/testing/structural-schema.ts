/**
 * A validator for the subset of OpenAPI v3 that Kubernetes structural schemas use (type,
 * properties, required, additionalProperties, items, enum, minimum/maximum, minLength/maxLength,
 * pattern, minItems/maxItems, nullable, x-kubernetes-int-or-string,
 * x-kubernetes-preserve-unknown-fields). Unlike the API server, which prunes unknown fields
 * silently, it reports them: a chart that sets a field the CRD does not know is a bug.
 * CEL rules (x-kubernetes-validations) are not evaluated.
 */
export interface StructuralSchema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  properties?: Record<string, StructuralSchema>;
  required?: string[];
  additionalProperties?: boolean | StructuralSchema;
  items?: StructuralSchema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  nullable?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  [other: string]: unknown;
}

export function validateStructural(value: unknown, schema: StructuralSchema, at = ""): string[] {
  const where = at || "(root)";
  if (value === null || value === undefined) return schema.nullable ? [] : [`${where}: is null`];
  const errors: string[] = [];
  if (schema["x-kubernetes-int-or-string"]) {
    if (!(typeof value === "string" || Number.isInteger(value)))
      errors.push(`${where}: must be an integer or a string`);
    return errors;
  }
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return [`${where}: must be an object`];
      const record = value as Record<string, unknown>;
      for (const key of schema.required ?? [])
        if (!(key in record)) errors.push(`${where}: ${key} is required`);
      for (const [key, child] of Object.entries(record)) {
        const sub = schema.properties?.[key];
        const path = at ? `${at}.${key}` : key;
        if (sub) errors.push(...validateStructural(child, sub, path));
        else if (typeof schema.additionalProperties === "object")
          errors.push(...validateStructural(child, schema.additionalProperties, path));
        else if (
          !schema["x-kubernetes-preserve-unknown-fields"] &&
          schema.additionalProperties !== true
        )
          errors.push(`${path}: unknown field`);
      }
      break;
    }
    case "array": {
      if (!Array.isArray(value)) return [`${where}: must be an array`];
      if (schema.minItems !== undefined && value.length < schema.minItems)
        errors.push(`${where}: needs at least ${schema.minItems} items`);
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        errors.push(`${where}: allows at most ${schema.maxItems} items`);
      if (schema.items)
        value.forEach((item, i) =>
          errors.push(...validateStructural(item, schema.items!, `${at}[${i}]`)),
        );
      break;
    }
    case "string":
      if (typeof value !== "string") return [`${where}: must be a string`];
      if (schema.minLength !== undefined && value.length < schema.minLength)
        errors.push(`${where}: shorter than ${schema.minLength}`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength)
        errors.push(`${where}: longer than ${schema.maxLength}`);
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value))
        errors.push(`${where}: does not match ${schema.pattern}`);
      break;
    case "integer":
    case "number":
      if (typeof value !== "number" || (schema.type === "integer" && !Number.isInteger(value)))
        return [`${where}: must be ${schema.type === "integer" ? "an integer" : "a number"}`];
      if (schema.minimum !== undefined && value < schema.minimum)
        errors.push(`${where}: below the minimum ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum)
        errors.push(`${where}: above the maximum ${schema.maximum}`);
      break;
    case "boolean":
      if (typeof value !== "boolean") return [`${where}: must be a boolean`];
      break;
    case undefined:
      break;
  }
  if (schema.enum && !schema.enum.some((e) => e === value))
    errors.push(`${where}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  return errors;
}
