import type { z } from "zod";
import { badRequest } from "../errors/edge-error.js";
import { parseJsonObject } from "../http/read-body.js";

/** Parses and validates a JSON body once, at the edge; any mismatch is a 400 naming the field. */
export function parseBody<T extends z.ZodTypeAny>(schema: T, body: Buffer): z.infer<T> {
  const parsed = schema.safeParse(body.length === 0 ? {} : parseJsonObject(body));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.join(".") ?? null;
    throw badRequest(`${param ? `${param}: ` : ""}${issue?.message ?? "invalid body"}`, param);
  }
  return parsed.data as z.infer<T>;
}

/** Money and counters leave the edge as JSON numbers (exact below 2^53 micro-USD ≈ $9 billion). */
export const n = (value: bigint): number => Number(value);
