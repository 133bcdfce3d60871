import { readFileSync } from "node:fs";
import { z } from "zod";

/** One request of a trace (JSON Lines, one object per line, sorted by `atMs`). */
export const TraceEntrySchema = z.object({
  atMs: z.number().nonnegative(),
  model: z.string(),
  promptTokens: z.number().int().nonnegative(),
  maxTokens: z.number().int().positive(),
  /** Tokens the model actually generates (≤ maxTokens); defaults to maxTokens. */
  outputTokens: z.number().int().nonnegative().optional(),
  /** Ids of the prompt's fixed-size token blocks, in order (what the edge would hash). */
  prefix: z.array(z.string()).default([]),
  /** Longest the client waits in a queue before it would rather get a 429. */
  maxWaitMs: z.number().nonnegative().optional(),
});
export type TraceEntry = z.infer<typeof TraceEntrySchema>;

export function loadTrace(path: string): TraceEntry[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => TraceEntrySchema.parse(JSON.parse(l)))
    .sort((a, b) => a.atMs - b.atMs);
}
