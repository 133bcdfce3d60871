// The routing preferences OpenRouter users already write: an optional `provider` object and a
// `models` fallback list, validated once into a typed object (a 400 names the bad field).
import { TrustLevel } from "@darkbloom/proto";
import { z } from "zod";
import { badRequest } from "../errors/edge-error.js";
import { isValidModelId } from "./model-id.js";

export type ProviderSort = "price" | "throughput" | "latency";

export interface RoutingPreferences {
  minTrust: TrustLevel;
  /**
   * Sent to routing (ReserveRequest.sort): throughput / latency order the providers of a model;
   * price orders the requested model and its `models` fallbacks cheapest first.
   */
  sort: ProviderSort | undefined;
  /** Highest acceptable price per million tokens, in integer micro-USD. */
  maxPrice: { promptMicroUsd: bigint | undefined; completionMicroUsd: bigint | undefined };
  /** Allowed quantizations (empty = any). */
  quantizations: string[];
  /** Whether the `models` list (after the requested model) may be tried. */
  allowFallbacks: boolean;
  /** Further models to try, in order, when the requested one has no capacity. */
  fallbackModels: string[];
}

export const DEFAULT_PREFERENCES: RoutingPreferences = Object.freeze({
  minTrust: TrustLevel.UNSPECIFIED,
  sort: undefined,
  maxPrice: { promptMicroUsd: undefined, completionMicroUsd: undefined },
  quantizations: [],
  allowFallbacks: true,
  fallbackModels: [],
});

const TRUST: Record<string, TrustLevel> = {
  none: TrustLevel.NONE,
  software: TrustLevel.SOFTWARE,
  hardware: TrustLevel.HARDWARE,
  "hardware+mda": TrustLevel.HARDWARE_MDA,
};

const usdPerMillion = z.number().nonnegative().max(1_000_000);

const providerSchema = z
  .object({
    sort: z.enum(["price", "throughput", "latency"]).optional(),
    max_price: z
      .object({ prompt: usdPerMillion.optional(), completion: usdPerMillion.optional() })
      .strict()
      .optional(),
    quantizations: z.array(z.string().min(1).max(32)).max(32).optional(),
    min_trust: z.enum(["none", "software", "hardware", "hardware+mda"]).optional(),
    allow_fallbacks: z.boolean().optional(),
  })
  .strict();

const prefsSchema = z.object({
  provider: providerSchema.nullable().optional(),
  models: z
    .array(z.string().refine(isValidModelId, "a model id is 1-256 printable characters"))
    .max(16)
    .nullable()
    .optional(),
});

const defaults = (): RoutingPreferences => ({
  ...DEFAULT_PREFERENCES,
  maxPrice: { ...DEFAULT_PREFERENCES.maxPrice },
  quantizations: [],
  fallbackModels: [],
});

const microUsd = (usd: number | undefined): bigint | undefined =>
  usd === undefined ? undefined : BigInt(Math.round(usd * 1_000_000));

/** Reads `provider` and `models` from a request body; everything else is left to the API's parser. */
export function parseRoutingPreferences(json: Record<string, unknown>): RoutingPreferences {
  // Most bodies carry neither: the defaults, without a validation pass.
  if (json.provider == null && json.models == null) return defaults();
  const result = prefsSchema.safeParse({ provider: json.provider, models: json.models });
  if (!result.success) {
    const issue = result.error.issues[0];
    const keys = issue?.code === "unrecognized_keys" ? issue.keys : [];
    const param = [...(issue?.path ?? []), ...keys.slice(0, 1)].join(".");
    throw badRequest(`${param}: ${issue?.message ?? "invalid routing preference"}`, param);
  }
  const p = result.data.provider ?? {};
  const min = p.min_trust;
  return {
    minTrust: min === undefined ? TrustLevel.UNSPECIFIED : (TRUST[min] ?? TrustLevel.UNSPECIFIED),
    sort: p.sort,
    maxPrice: {
      promptMicroUsd: microUsd(p.max_price?.prompt),
      completionMicroUsd: microUsd(p.max_price?.completion),
    },
    quantizations: p.quantizations ?? [],
    allowFallbacks: p.allow_fallbacks ?? true,
    fallbackModels: result.data.models ?? [],
  };
}
