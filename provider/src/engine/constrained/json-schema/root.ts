// A machine for a whole answer or a tool call's arguments: the schema is compiled and checked once
// per request by the shared contract (the edge ran the same check before dispatch).
import { compileObjectSchema } from "@darkbloom/model-contract";
import { JsonSchemaMachine } from "./machine.js";

/** Compiles `schema` and returns a factory of fresh machines for it; throws SchemaUnsupportedError. */
export function objectSchemaMachine(schema: unknown, path: string): () => JsonSchemaMachine {
  const root = compileObjectSchema(schema, path);
  return () => new JsonSchemaMachine(root);
}
