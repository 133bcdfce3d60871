import type { z } from "zod";
import { badRequest } from "../errors/edge-error.js";

/**
 * Validates a parsed JSON body against an API's schema; the first problem becomes a 400 whose
 * `param` names the offending field (dotted path, e.g. `messages.0.content`).
 */
export function parseBody<S extends z.ZodTypeAny>(schema: S, json: unknown): z.output<S> {
  const result = schema.safeParse(json);
  if (result.success) return result.data as z.output<S>;
  const issue = result.error.issues[0];
  const param = issue?.path.join(".") ?? "";
  throw badRequest(
    `${param ? `${param}: ` : ""}${issue?.message ?? "invalid request"}`,
    param || null,
  );
}

/** Stop sequences as a list, from OpenAI's string-or-array form. */
export const stopList = (stop: string | string[] | null | undefined): string[] =>
  stop == null ? [] : typeof stop === "string" ? [stop] : stop;
