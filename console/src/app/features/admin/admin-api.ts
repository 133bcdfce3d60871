// The admin HTTP routes (services/edge/src/account): accounts, invites, prices, the ledger
// overview. The server answers them only to an admin account (a key with the `admin` scope, or a
// cookie session with its CSRF token); the Connect services (fleet, warm pools, traffic,
// releases) go through core/connect-transport.ts.
import { HttpClient } from "@angular/common/http";
import { Injectable, inject } from "@angular/core";
import { ConnectError } from "@connectrpc/connect";
import { firstValueFrom } from "rxjs";
import { API_BASE } from "../../core/api-base";
import { apiErrorMessage } from "../../core/api-error";
import { SessionService, type Role } from "../../core/session";

export interface AdminAccount {
  id: string;
  name: string;
  role: Role;
  created: number;
  available_micro_usd: number;
  held_micro_usd: number;
  earned_micro_usd: number;
}

export interface CreatedAccount {
  id: string;
  name: string;
  role: Role;
  api_key: { id: string; key: string; prefix: string };
}

export interface Invite {
  code: string;
  credit_micro_usd: number;
  max_uses: number;
  uses: number;
  created_by?: string;
  created?: number;
}

export interface Price {
  model: string;
  input_micro_usd_per_million: number;
  output_micro_usd_per_million: number;
  updated: number;
}

export interface LedgerOverview {
  balances: { kind: string; accounts: number; balance_micro_usd: number }[];
  net_micro_usd: number;
  open_holds: number;
  last_24h: {
    settlements: number;
    charged_micro_usd: number;
    provider_credit_micro_usd: number;
    platform_fee_micro_usd: number;
    credited_micro_usd: number;
  };
}

/** The message of a Connect error or an HTTP error body, for an alert. */
export function adminErrorMessage(err: unknown): string {
  if (err instanceof ConnectError) {
    if (err.code === 7) return "Only an admin account may do this.";
    if (err.code === 16) return "Sign in again: the session has ended.";
    return err.rawMessage;
  }
  return apiErrorMessage(err);
}

@Injectable({ providedIn: "root" })
export class AdminApi {
  private readonly http = inject(HttpClient);
  private readonly base = inject(API_BASE);
  private readonly session = inject(SessionService);

  private get<T>(path: string): Promise<T> {
    return firstValueFrom(
      this.http.get<T>(`${this.base}${path}`, { headers: this.session.authHeaders() }),
    );
  }

  private send<T>(method: "POST" | "PUT", path: string, body: unknown): Promise<T> {
    return firstValueFrom(
      this.http.request<T>(method, `${this.base}${path}`, {
        body,
        headers: this.session.authHeaders(),
      }),
    );
  }

  async accounts(role: Role | "" = ""): Promise<AdminAccount[]> {
    const q = role === "" ? "" : `?role=${role}`;
    return (await this.get<{ data: AdminAccount[] }>(`/v1/admin/accounts${q}`)).data;
  }

  createAccount(name: string, role: Role): Promise<CreatedAccount> {
    return this.send("POST", "/v1/admin/accounts", { name, role });
  }

  async invites(): Promise<Invite[]> {
    return (await this.get<{ data: Invite[] }>("/v1/admin/invites")).data;
  }

  createInvite(invite: {
    code?: string;
    credit_micro_usd: number;
    max_uses: number;
  }): Promise<Invite> {
    return this.send("POST", "/v1/admin/invites", invite);
  }

  async prices(): Promise<Price[]> {
    return (await this.get<{ data: Price[] }>("/v1/pricing")).data;
  }

  async setPrice(model: string, input: number, output: number): Promise<void> {
    await this.send("PUT", `/v1/admin/prices/${encodeURIComponent(model)}`, {
      input_micro_usd_per_million: input,
      output_micro_usd_per_million: output,
    });
  }

  ledger(): Promise<LedgerOverview> {
    return this.get("/v1/admin/ledger");
  }
}
