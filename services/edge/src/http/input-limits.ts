import { z } from "zod";

/**
 * The documented maximum of every numeric request field (docs/api.md, "Limits"). Each is below
 * the wire or storage type it lands in (uint32 token counts, int64 seeds and micro-USD), so a
 * value past it is a 400 naming the field, never an overflow deeper down.
 */
export const LIMITS = {
  /** max_tokens, max_completion_tokens, max_output_tokens, estimated_prompt_tokens. */
  tokens: 100_000_000,
  /** seed: every integer a JSON number carries exactly. */
  seed: Number.MAX_SAFE_INTEGER,
  /** Any amount or price in micro-USD: $1 billion. */
  microUsd: 1_000_000_000_000_000,
  rpmLimit: 1_000_000,
  tpmLimit: 1_000_000_000_000,
} as const;

const atMost = (max: number) => ({ message: `must be at most ${max}` });

/** A token count: 1 ≤ n ≤ LIMITS.tokens. */
export const tokenCount = (): z.ZodNumber =>
  z.number().int().positive().max(LIMITS.tokens, atMost(LIMITS.tokens));

export const seedSchema = (): z.ZodNumber =>
  z.number().int().nonnegative().max(LIMITS.seed, atMost(LIMITS.seed));

/** An amount in micro-USD: 0 ≤ n ≤ LIMITS.microUsd (chain `.positive()` where 0 is no amount). */
export const microUsd = (): z.ZodNumber =>
  z.number().int().nonnegative().max(LIMITS.microUsd, atMost(LIMITS.microUsd));

/** Text the coordinator stores: Postgres `text` cannot hold NUL, so it is refused here. */
export const storedText = (text: z.ZodString): z.ZodEffects<z.ZodString> =>
  text.refine((s) => !s.includes("\u0000"), "must not contain NUL characters");
