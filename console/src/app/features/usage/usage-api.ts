// GET /v1/usage/summary: the account's usage by key and model and by day, computed by the
// coordinator from the ledger (services/edge/src/account/usage-summary.ts), paged.
import { HttpClient } from "@angular/common/http";
import { Injectable, inject } from "@angular/core";
import { firstValueFrom } from "rxjs";
import { API_BASE } from "../../core/api-base";
import { SessionService } from "../../core/session";
import { allPages } from "../../shared/pager";

export interface UsageFigures {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_micro_usd: number;
}

export interface UsageGroup extends UsageFigures {
  api_key_id: string | null;
  api_key_name: string | null;
  api_key_prefix: string | null;
  model: string;
}

export interface UsageDay extends UsageFigures {
  /** Unix seconds of the UTC day's start. */
  day: number;
}

export interface UsageSummary {
  since: number;
  until: number;
  totals: UsageFigures;
  data: UsageGroup[];
  days: UsageDay[];
  has_more: boolean;
  next_cursor: string | null;
}

@Injectable({ providedIn: "root" })
export class UsageApi {
  private readonly http = inject(HttpClient);
  private readonly base = inject(API_BASE);
  private readonly session = inject(SessionService);

  summary(sinceSeconds: number, after: string | null = null): Promise<UsageSummary> {
    const params: Record<string, string> = { since: String(sinceSeconds), limit: "50" };
    if (after !== null) params["after"] = after;
    return firstValueFrom(
      this.http.get<UsageSummary>(`${this.base}/v1/usage/summary`, {
        params,
        headers: this.session.authHeaders(),
      }),
    );
  }

  /** Every group of the window (all pages), for the CSV export. */
  allGroups(sinceSeconds: number): Promise<UsageGroup[]> {
    return allPages((after) => this.summary(sinceSeconds, after));
  }
}

/** A key's label in tables and the CSV: its name, else its prefix, else the session. */
export function keyLabel(g: UsageGroup): string {
  if (g.api_key_id === null) return "Console session";
  return g.api_key_name ?? g.api_key_prefix ?? g.api_key_id;
}

const csvCell = (v: string | number): string => {
  const s = String(v);
  // Quote when needed; a leading = + - @ is neutralized so spreadsheets never run it.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** The usage table as CSV (RFC 4180, header row, cost in USD with 6 decimals). */
export function usageCsv(groups: readonly UsageGroup[]): string {
  const header = [
    "api_key_id",
    "api_key",
    "model",
    "requests",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
  ];
  const rows = groups.map((g) => [
    g.api_key_id ?? "",
    keyLabel(g),
    g.model,
    g.requests,
    g.prompt_tokens,
    g.completion_tokens,
    (g.cost_micro_usd / 1_000_000).toFixed(6),
  ]);
  return [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
