// Checks a structured-output schema with the provider's own compiler (@darkbloom/model-contract),
// so the edge refuses, with a 400 before dispatch, exactly the schemas the constrained decoder
// cannot follow (docs/api-behaviour.md "Structured outputs").
import { compileObjectSchema, SchemaUnsupportedError } from "@darkbloom/model-contract";

/** The first problem with `root` as `path` (`schema.properties.a.allOf: ...`), or undefined. */
export function jsonSchemaProblem(root: unknown, path = "schema"): string | undefined {
  try {
    compileObjectSchema(root, path);
    return undefined;
  } catch (err) {
    if (err instanceof SchemaUnsupportedError) return err.message;
    throw err;
  }
}
