// OpenAI's response_format: text, json_object, or json_schema (structured outputs) whose schema
// must fit the subset the provider's constrained decoder follows (a 400 naming
// `response_format.json_schema.schema` otherwise).
import { z } from "zod";
import { jsonSchemaProblem } from "./json-schema-check.js";

/** A structured-output schema: an object the constrained decoder can follow. */
export const structuredSchema = z.record(z.unknown()).superRefine((schema, ctx) => {
  const problem = jsonSchemaProblem(schema);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

const jsonSchemaFormat = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -"),
  description: z.string().optional(),
  schema: structuredSchema.optional(),
  strict: z.boolean().nullable().optional(),
});

export const responseFormatSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("text") }),
    z.object({ type: z.literal("json_object") }),
    z.object({ type: z.literal("json_schema"), json_schema: jsonSchemaFormat }),
  ])
  .optional();

/** The Responses API's `text.format`: the same choices with the json_schema fields flattened. */
export const textFormatSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  jsonSchemaFormat.extend({ type: z.literal("json_schema") }),
]);

export type TextFormat = z.infer<typeof textFormatSchema>;

/** `text.format` as the chat response_format JSON the provider reads ("" for text). */
export function responseFormatJson(format: TextFormat | undefined): string {
  if (format === undefined || format.type === "text") return "";
  if (format.type === "json_object") return JSON.stringify(format);
  const { type, ...jsonSchema } = format;
  return JSON.stringify({ type, json_schema: jsonSchema });
}
