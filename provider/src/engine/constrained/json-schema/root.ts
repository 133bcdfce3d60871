// A schema for a whole answer or a tool call's arguments: compiled once per request, its root must
// be an object (as OpenAI's structured outputs require) with at least one finite instance.
import {
  compileSchema,
  SchemaUnsupportedError,
  type Alt,
  type SchemaNode,
} from "./compile.js";
import { JsonSchemaMachine } from "./machine.js";
import { minimalInstance } from "./minimal.js";

/** Compiles `schema` and returns a factory of fresh machines for it; throws SchemaUnsupportedError. */
export function objectSchemaMachine(schema: unknown, path: string): () => JsonSchemaMachine {
  const root = compileSchema(schema, path);
  if (!rootAlts(root, new Set()).every((a) => a.kind === "object" || a.kind === "any-object"))
    throw new SchemaUnsupportedError(path, "the root must be an object schema");
  if (minimalInstance(root) === undefined)
    throw new SchemaUnsupportedError(path, "no finite JSON value satisfies this schema");
  return () => new JsonSchemaMachine(root);
}

function rootAlts(node: SchemaNode, seen: Set<SchemaNode>): Alt[] {
  if (seen.has(node)) return [];
  seen.add(node);
  return node.alts.flatMap((a) => (a.kind === "node" ? rootAlts(a.node, seen) : [a]));
}
