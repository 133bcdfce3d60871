// The provider operator's own machines and payouts (docs/console.md, "Provider operators"):
// GET /v1/provider/machines, GET|POST /v1/billing/payouts, GET /v1/billing/payouts/history,
// POST /v1/billing/connect/onboard. The coordinator answers them only for provider accounts,
// and only about the signed-in operator's machines and money.
import { HttpClient } from "@angular/common/http";
import { Injectable, inject } from "@angular/core";
import { firstValueFrom } from "rxjs";
import { API_BASE } from "../../core/api-base";
import { SessionService } from "../../core/session";

export type Trust = "none" | "software" | "hardware" | "hardware_mda";

export interface Machine {
  provider_id: string;
  online: boolean;
  version: string | null;
  chip: string | null;
  memory_gb: number | null;
  models: string[];
  trust: Trust | null;
  routable: boolean | null;
  trust_reason: string | null;
  in_flight: number;
  connected_at: number | null;
  last_heartbeat_at: number | null;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  earned_micro_usd: number;
  last_served_at: number | null;
}

export interface PayoutBalance {
  earnings_micro_usd: number;
  pending_micro_usd: number;
  minimum_micro_usd: number;
  withdrawable_micro_usd: number;
  connect: { stripe_account_id: string; payouts_enabled: boolean } | null;
}

export interface PayoutEntry {
  id: string;
  amount_micro_usd: number;
  status: "pending" | "paid" | "failed" | "reversed";
  stripe_transfer_id: string | null;
  created: number;
}

export interface Onboarding {
  stripe_account_id: string;
  payouts_enabled: boolean;
  url: string;
}

@Injectable({ providedIn: "root" })
export class OperatorApi {
  private readonly http = inject(HttpClient);
  private readonly base = inject(API_BASE);
  private readonly session = inject(SessionService);

  private get<T>(path: string): Promise<T> {
    return firstValueFrom(
      this.http.get<T>(`${this.base}${path}`, { headers: this.session.authHeaders() }),
    );
  }

  private post<T>(path: string, body: unknown): Promise<T> {
    return firstValueFrom(
      this.http.post<T>(`${this.base}${path}`, body, { headers: this.session.authHeaders() }),
    );
  }

  async machines(): Promise<Machine[]> {
    return (await this.get<{ data: Machine[] }>("/v1/provider/machines")).data;
  }

  balance(): Promise<PayoutBalance> {
    return this.get<PayoutBalance>("/v1/billing/payouts");
  }

  async history(): Promise<PayoutEntry[]> {
    return (await this.get<{ data: PayoutEntry[] }>("/v1/billing/payouts/history")).data;
  }

  /** A Stripe Connect onboarding link (the connected account is created on the first call). */
  onboard(): Promise<Onboarding> {
    return this.post<Onboarding>("/v1/billing/connect/onboard", {});
  }

  /** A payout of `cents` to the connected account. */
  withdraw(cents: number): Promise<PayoutEntry> {
    return this.post<PayoutEntry>("/v1/billing/payouts", { amount_micro_usd: cents * 10_000 });
  }
}

export const TRUST_LABEL: Record<Trust, string> = {
  none: "Unverified",
  software: "Software attested",
  hardware: "Hardware attested",
  hardware_mda: "Hardware attested (MDA)",
};
