// The balance (GET /v1/me), deposits through Stripe Checkout (POST /v1/billing/checkout: the
// page goes to the session's URL; Stripe's signed webhook credits the account) and the history
// of money in (GET /v1/billing/history).
import { HttpClient } from "@angular/common/http";
import { Injectable, inject } from "@angular/core";
import { firstValueFrom } from "rxjs";
import { API_BASE } from "../../core/api-base";
import { SessionService } from "../../core/session";

export interface Balance {
  balance_micro_usd: number;
  held_micro_usd: number;
  available_micro_usd: number;
}

export interface BillingEntry {
  kind: "deposit" | "credit";
  status: "credited" | "pending" | "flagged";
  amount_micro_usd: number;
  description: string;
  created: number;
  checkout_session_id: string | null;
}

export interface BillingHistory {
  data: BillingEntry[];
  has_more: boolean;
  next_cursor: string | null;
}

export const MIN_DEPOSIT_USD = 1;
export const MAX_DEPOSIT_USD = 10_000;

@Injectable({ providedIn: "root" })
export class BillingApi {
  private readonly http = inject(HttpClient);
  private readonly base = inject(API_BASE);
  private readonly session = inject(SessionService);

  async balance(): Promise<Balance> {
    const me = await firstValueFrom(
      this.http.get<{ balance: Balance }>(`${this.base}/v1/me`, {
        headers: this.session.authHeaders(),
      }),
    );
    return me.balance;
  }

  history(after: string | null = null): Promise<BillingHistory> {
    return firstValueFrom(
      this.http.get<BillingHistory>(`${this.base}/v1/billing/history`, {
        params: after === null ? {} : { after },
        headers: this.session.authHeaders(),
      }),
    );
  }

  /** A Checkout Session for `cents`; its URL is Stripe's hosted payment page. */
  checkout(cents: number): Promise<{ id: string; url: string }> {
    return firstValueFrom(
      this.http.post<{ id: string; url: string }>(
        `${this.base}/v1/billing/checkout`,
        { amount_micro_usd: cents * 10_000 },
        { headers: this.session.authHeaders() },
      ),
    );
  }
}

/** "12.5" → 1250 cents; null for anything but $1–$10,000 in whole cents. */
export function depositCents(input: string): number | null {
  const text = input.trim().replace(/^\$/, "");
  if (!/^\d{1,5}(\.\d{1,2})?$/.test(text)) return null;
  const [whole = "0", frac = ""] = text.split(".");
  const cents = Number(whole) * 100 + Number(frac.padEnd(2, "0"));
  return cents >= MIN_DEPOSIT_USD * 100 && cents <= MAX_DEPOSIT_USD * 100 ? cents : null;
}
