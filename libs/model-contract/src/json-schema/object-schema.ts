// A schema for a whole answer or a tool call's arguments: its root must be an object (as OpenAI's
// structured outputs require) with at least one finite instance. The edge runs this before dispatch
// and the provider before it builds its machine, so both refuse the same schemas with the same path.
import { compileSchema, SchemaUnsupportedError, type Alt, type SchemaNode } from "./compile.js";
import { minimalInstance } from "./minimal.js";

/** Compiles `schema` as an answer's schema; throws SchemaUnsupportedError naming the path. */
export function compileObjectSchema(schema: unknown, path: string): SchemaNode {
  const root = compileSchema(schema, path);
  if (!rootAlts(root, new Set()).every((a) => a.kind === "object" || a.kind === "any-object"))
    throw new SchemaUnsupportedError(path, "the root must be an object schema");
  if (minimalInstance(root) === undefined)
    throw new SchemaUnsupportedError(path, "no finite JSON value satisfies this schema");
  return root;
}

function rootAlts(node: SchemaNode, seen: Set<SchemaNode>): Alt[] {
  if (seen.has(node)) return [];
  seen.add(node);
  return node.alts.flatMap((a) => (a.kind === "node" ? rootAlts(a.node, seen) : [a]));
}
