// The coordinator's public HTTP routes: network stats and prices (no sign-in).
import { HttpClient } from "@angular/common/http";
import { Injectable, inject } from "@angular/core";
import type { Observable } from "rxjs";
import { API_BASE } from "./api-base";

/** GET /v1/stats (services/edge/src/stats/network-stats.ts). */
export interface NetworkStats {
  generated_at: number;
  providers_online: number;
  trust_levels: { none: number; software: number; hardware: number; hardware_mda: number };
  models: Array<{
    id: string;
    providers: number;
    warm_slots: number;
    running: number;
    waiting: number;
    estimated_wait_ms: number;
  }>;
  tokens_served_today: { prompt: number; completion: number; total: number; since: number } | null;
}

/** One row of GET /v1/pricing; model `*` is the default price of every unlisted model. */
export interface ModelPrice {
  model: string;
  input_micro_usd_per_million: number;
  output_micro_usd_per_million: number;
}

@Injectable({ providedIn: "root" })
export class PublicApi {
  private readonly http = inject(HttpClient);
  private readonly base = inject(API_BASE);

  stats(): Observable<NetworkStats> {
    return this.http.get<NetworkStats>(`${this.base}/v1/stats`);
  }

  pricing(): Observable<{ data: ModelPrice[] }> {
    return this.http.get<{ data: ModelPrice[] }>(`${this.base}/v1/pricing`);
  }
}

/** The price of `model`: its own row, else the default (`*`). */
export function priceOf(prices: readonly ModelPrice[], model: string): ModelPrice | undefined {
  return prices.find((p) => p.model === model) ?? prices.find((p) => p.model === "*");
}
