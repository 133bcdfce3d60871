// What the coordinator and the provider must read alike: the model manifest (releases stores it,
// the provider publishes and downloads it) and, for structured outputs, one JSON-schema
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
export {
  modelManifestSchema,
  parseModelManifest,
  type ModelHashes,
  type ModelManifest,
} from "./model-manifest.js";
export { BinaryHeap } from "./binary-heap.js";
