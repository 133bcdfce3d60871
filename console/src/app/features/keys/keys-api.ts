// The account's API keys: GET /v1/keys, POST /v1/keys (the secret is in that answer only),
// DELETE /v1/keys/{id} (services/edge/src/account/keys.ts). The server lists and revokes only the
// signed-in account's keys.
import { HttpClient } from "@angular/common/http";
import { Injectable, inject } from "@angular/core";
import { firstValueFrom } from "rxjs";
import { API_BASE } from "../../core/api-base";
import { SessionService } from "../../core/session";

export type KeyScope = "inference" | "account:read" | "account:write";
export type BudgetPeriod = "day" | "week" | "month";

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created: number;
  last_used: number | null;
  revoked: number | null;
  rpm_limit: number | null;
  tpm_limit: number | null;
  budget_micro_usd: number | null;
  budget_period: BudgetPeriod;
}

export interface NewKey {
  name: string;
  scopes: KeyScope[];
  rpm_limit: number | null;
  tpm_limit: number | null;
  budget_micro_usd: number | null;
  budget_period: BudgetPeriod;
}

export interface CreatedKey {
  id: string;
  /** The secret: shown once, never stored by the server (only its hash). */
  key: string;
  prefix: string;
  name: string;
  scopes: string[];
}

@Injectable({ providedIn: "root" })
export class KeysApi {
  private readonly http = inject(HttpClient);
  private readonly base = inject(API_BASE);
  private readonly session = inject(SessionService);

  async list(): Promise<ApiKey[]> {
    const r = await firstValueFrom(
      this.http.get<{ data: ApiKey[] }>(`${this.base}/v1/keys`, {
        headers: this.session.authHeaders(),
      }),
    );
    return r.data;
  }

  create(key: NewKey): Promise<CreatedKey> {
    return firstValueFrom(
      this.http.post<CreatedKey>(`${this.base}/v1/keys`, key, {
        headers: this.session.authHeaders(),
      }),
    );
  }

  async revoke(id: string): Promise<void> {
    await firstValueFrom(
      this.http.delete(`${this.base}/v1/keys/${encodeURIComponent(id)}`, {
        headers: this.session.authHeaders(),
      }),
    );
  }
}
