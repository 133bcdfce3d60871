// What the coordinator and the provider must read alike. Structured outputs: one JSON-schema
// compiler, so the edge refuses exactly what the provider's decoder cannot follow.
export {
  ANY,
  compileSchema,
  SchemaUnsupportedError,
  type Alt,
  type ArrayAlt,
  type ObjectAlt,
  type Prop,
  type SchemaNode,
} from "./json-schema/compile.js";
export {
  minimalAlt,
  minimalInstance,
  minimalItem,
  minimalProp,
  requiredTail,
} from "./json-schema/minimal.js";
export { compileObjectSchema } from "./json-schema/object-schema.js";
