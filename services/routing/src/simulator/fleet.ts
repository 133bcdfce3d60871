import { readFileSync } from "node:fs";
import { z } from "zod";

/** A class of identical simulated providers; chip speeds come from benchmark figures. */
export const FleetClassSchema = z.object({
  chip: z.string(),
  count: z.number().int().positive(),
  memoryGb: z.number().positive(),
  prefillTps: z.number().positive(),
  decodeTps: z.number().positive(),
  kvCapacityTokens: z.number().int().positive(),
  /** Prefix-cache capacity in token blocks. */
  prefixCacheBlocks: z.number().int().nonnegative().default(512),
  models: z.array(z.string()),
  /** Share of requests whose first token stalls (a flaky machine), and for how long. */
  stallRate: z.number().min(0).max(1).default(0),
  stallMs: z.number().nonnegative().default(0),
});
export const FleetSchema = z.object({ providers: z.array(FleetClassSchema) });
export type FleetClass = z.infer<typeof FleetClassSchema>;
export type Fleet = z.infer<typeof FleetSchema>;

export function loadFleet(path: string): Fleet {
  return FleetSchema.parse(JSON.parse(readFileSync(path, "utf8")));
}
