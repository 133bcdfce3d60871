// Structural-schema handling of custom resources: defaulting, pruning of unknown fields (an error
// under fieldValidation=Strict), type/enum/range/pattern checks and the CEL rules the fake supports.
import type { JsonSchema } from "../../src/api/schema.js";
import { evalCel, parseCel } from "./fake-cel.js";
import { clone, isObject, type Json, type JsonObject } from "./fake-json.js";

export interface SchemaResult {
  object: JsonObject;
  errors: string[];
  unknownFields: string[];
}

export function applySchema(obj: JsonObject, schema: JsonSchema): SchemaResult {
  const errors: string[] = [];
  const unknownFields: string[] = [];
  const walk = (v: Json, s: JsonSchema, path: string): Json => {
    if (s["x-kubernetes-int-or-string"]) {
      if (typeof v !== "string" && !Number.isInteger(v))
        errors.push(`${path}: must be an integer or a string`);
      return v;
    }
    switch (s.type) {
      case "object": {
        if (!isObject(v)) {
          errors.push(`${path}: Invalid value: must be of type object`);
          return v;
        }
        const out: JsonObject = {};
        for (const [k, child] of Object.entries(v)) {
          const ps = s.properties?.[k] ?? s.additionalProperties;
          if (ps) out[k] = walk(child, ps, `${path}.${k}`);
          else if (
            s["x-kubernetes-preserve-unknown-fields"] ||
            (!s.properties && !s.additionalProperties)
          )
            out[k] = child;
          else unknownFields.push(`${path}.${k}`);
        }
        for (const [k, ps] of Object.entries(s.properties ?? {})) {
          if (out[k] === undefined && ps.default !== undefined)
            out[k] = walk(clone(ps.default) as Json, ps, `${path}.${k}`);
        }
        for (const r of s.required ?? [])
          if (out[r] === undefined) errors.push(`${path}.${r}: Required value`);
        for (const rule of s["x-kubernetes-validations"] ?? []) {
          let ok = true;
          try {
            ok = Boolean(evalCel(parseCel(rule.rule), out));
          } catch {
            ok = true; // outside the supported subset: not enforced by the fake
          }
          if (!ok) errors.push(`${path}: Invalid value: "object": ${rule.message}`);
        }
        return out;
      }
      case "array":
        if (!Array.isArray(v)) {
          errors.push(`${path}: Invalid value: must be of type array`);
          return v;
        }
        if (s.maxItems !== undefined && v.length > s.maxItems)
          errors.push(`${path}: Too many: ${v.length}: must have at most ${s.maxItems} items`);
        return v.map((x, i) => (s.items ? walk(x, s.items, `${path}[${i}]`) : x));
      case "string":
        if (typeof v !== "string") errors.push(`${path}: Invalid value: must be of type string`);
        else {
          if (s.enum && !s.enum.includes(v))
            errors.push(
              `${path}: Unsupported value: "${v}": supported values: ${s.enum.map((e) => `"${e}"`).join(", ")}`,
            );
          if (s.minLength !== undefined && v.length < s.minLength)
            errors.push(`${path}: Invalid value: should be at least ${s.minLength} chars long`);
          if (s.maxLength !== undefined && v.length > s.maxLength)
            errors.push(`${path}: Too long: may not be longer than ${s.maxLength}`);
          if (s.pattern && !new RegExp(s.pattern).test(v))
            errors.push(`${path}: Invalid value: "${v}": should match '${s.pattern}'`);
        }
        return v;
      case "integer":
      case "number":
        if (typeof v !== "number" || (s.type === "integer" && !Number.isInteger(v)))
          errors.push(`${path}: Invalid value: must be of type ${s.type}`);
        else {
          if (s.minimum !== undefined && v < s.minimum)
            errors.push(
              `${path}: Invalid value: ${v}: should be greater than or equal to ${s.minimum}`,
            );
          if (s.maximum !== undefined && v > s.maximum)
            errors.push(
              `${path}: Invalid value: ${v}: should be less than or equal to ${s.maximum}`,
            );
        }
        return v;
      case "boolean":
        if (typeof v !== "boolean") errors.push(`${path}: Invalid value: must be of type boolean`);
        return v;
      case undefined:
      default:
        return v;
    }
  };
  const { apiVersion, kind, metadata, ...rest } = obj;
  const checked = walk(rest, { ...schema, properties: { ...schema.properties } }, "") as JsonObject;
  delete checked.apiVersion;
  delete checked.kind;
  delete checked.metadata;
  const object: JsonObject = {
    apiVersion: apiVersion ?? null,
    kind: kind ?? null,
    metadata: metadata ?? {},
    ...checked,
  };
  return {
    object,
    errors: errors.map((e) => e.replace(/^\./, "")),
    unknownFields: unknownFields.map((e) => e.replace(/^\./, "")),
  };
}
