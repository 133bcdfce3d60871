// GET /v1/stats: the public network figures (presence from routing, tokens from the ledger).
// Totals only: no account, provider or key identities leave this endpoint.
import type { Client } from "@connectrpc/connect";
import { TrustLevel, type RoutingService } from "@darkbloom/proto";
import type { TokensServed } from "@darkbloom/ledger";

export interface NetworkStats {
  object: "network.stats";
  /** When these figures were computed (they are cached for a few seconds), unix seconds. */
  generated_at: number;
  providers_online: number;
  trust_levels: Record<"none" | "software" | "hardware" | "hardware_mda", number>;
  models: Array<{
    id: string;
    providers: number;
    warm_slots: number;
    running: number;
    waiting: number;
    estimated_wait_ms: number;
  }>;
  tokens_served_today: {
    prompt: number;
    completion: number;
    total: number;
    /** Start of the counted day (00:00 UTC), unix seconds. */
    since: number;
  } | null;
}

export interface NetworkStatsSources {
  routing: Client<typeof RoutingService>;
  /** Absent when the coordinator runs without the account surface (no ledger database). */
  tokensServedToday?: () => Promise<TokensServed>;
  now?: () => number;
}

const TRUST_NAMES: Partial<Record<TrustLevel, keyof NetworkStats["trust_levels"]>> = {
  [TrustLevel.NONE]: "none",
  [TrustLevel.SOFTWARE]: "software",
  [TrustLevel.HARDWARE]: "hardware",
  [TrustLevel.HARDWARE_MDA]: "hardware_mda",
};

/** Computes the figures afresh (the caller caches them). */
export async function computeNetworkStats(sources: NetworkStatsSources): Promise<NetworkStats> {
  const [{ providers }, { models }, capacity, tokens] = await Promise.all([
    sources.routing.listProviders({}),
    sources.routing.listModels({}),
    sources.routing.getModelCapacity({}),
    sources.tokensServedToday?.(),
  ]);
  const trust: NetworkStats["trust_levels"] = {
    none: 0,
    software: 0,
    hardware: 0,
    hardware_mda: 0,
  };
  for (const p of providers) {
    const name = TRUST_NAMES[p.trustLevel] ?? "none";
    trust[name] += 1;
  }
  const byModel = new Map(capacity.models.map((m) => [m.model, m]));
  return {
    object: "network.stats",
    generated_at: Math.floor((sources.now ?? Date.now)() / 1000),
    providers_online: providers.length,
    trust_levels: trust,
    models: models
      .filter((m) => m.providers > 0)
      .map((m) => {
        const c = byModel.get(m.id);
        return {
          id: m.id,
          providers: m.providers,
          warm_slots: c?.warmSlots ?? m.providers,
          running: c?.running ?? 0,
          waiting: c?.waiting ?? 0,
          estimated_wait_ms: c?.estimatedWaitMs ?? 0,
        };
      })
      .sort((a, b) => b.providers - a.providers || a.id.localeCompare(b.id)),
    tokens_served_today: tokens
      ? {
          prompt: Number(tokens.promptTokens),
          completion: Number(tokens.completionTokens),
          total: Number(tokens.promptTokens + tokens.completionTokens),
          since: Math.floor(tokens.sinceMs / 1000),
        }
      : null,
  };
}
