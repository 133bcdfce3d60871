import { SchemaValidationError, type Interceptor, type QueryResultRow } from "slonik";

/**
 * Validates every row of a `sql.type(schema)` query against its zod schema and
 * returns the parsed row (so zod transforms apply). Slonik attaches the schema
 * but leaves validation to an interceptor; this is that interceptor.
 */
export function createResultParserInterceptor(): Interceptor {
  return {
    name: "darkbloom.result-parser",
    transformRow: (context, query, row) => {
      const parser = context.resultParser;
      if (parser === undefined) {
        return row;
      }
      const result = parser.safeParse(row);
      if (!result.success) {
        throw new SchemaValidationError(query, row, result.error.issues);
      }
      const parsed: unknown = result.data;
      if (typeof parsed !== "object" || parsed === null) {
        throw new SchemaValidationError(query, row, []);
      }
      // A zod object schema parses a row into a row.
      return parsed as QueryResultRow;
    },
  };
}
