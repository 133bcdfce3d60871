import { z } from "zod";

/** More entries than any real use needs; bounds the work a request can ask of the sampler. */
export const MAX_LOGIT_BIAS_ENTRIES = 1024;

/**
 * OpenAI's `logit_bias`: token ids (as JSON object keys) to a bias in [-100, 100]. Whether an id
 * exists is the model's business: the provider refuses one outside its vocabulary with a 400.
 */
export const logitBiasSchema = z
  .record(
    z.string().regex(/^(0|[1-9]\d{0,9})$/, "logit_bias keys must be token ids (integers)"),
    z.number().min(-100).max(100),
  )
  .refine((r) => Object.keys(r).length <= MAX_LOGIT_BIAS_ENTRIES, {
    message: `logit_bias may name at most ${MAX_LOGIT_BIAS_ENTRIES} tokens`,
  })
  .refine((r) => Object.keys(r).every((k) => Number(k) <= 0xffffffff), {
    message: "logit_bias keys must be 32-bit token ids",
  })
  .nullable()
  .optional();

/** The proto map (keys as numbers). */
export function toLogitBias(
  bias: Record<string, number> | null | undefined,
): Record<number, number> {
  const out: Record<number, number> = {};
  for (const [key, value] of Object.entries(bias ?? {})) out[Number(key)] = value;
  return out;
}
