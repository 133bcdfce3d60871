// Who is signed in. Two kinds (docs/console.md, "Sign-in"):
// - "cookie": an OpenID Connect sign-in; the coordinator keeps the session server-side behind an
//   HttpOnly cookie the browser sends by itself. This service only holds the account and the
//   session's CSRF token (never the cookie), sent as `x-csrf-token` on every call.
// - "api-key": an API key kept in sessionStorage (this tab only, gone when it closes; never a
//   cookie), sent as a Bearer token — for operators and scripts.
import { HttpClient, HttpErrorResponse } from "@angular/common/http";
import { Injectable, computed, inject, signal } from "@angular/core";
import { firstValueFrom } from "rxjs";
import { API_BASE } from "./api-base";

export type Role = "consumer" | "provider" | "admin";
export type SessionKind = "api-key" | "cookie";

export interface Session {
  kind: SessionKind;
  accountId: string;
  name: string;
  role: Role;
  /** The secret that authenticates requests (api-key sessions only; "" for cookie sessions). */
  apiKey: string;
  /** Sent as `x-csrf-token` (cookie sessions only; "" for api-key sessions). */
  csrfToken: string;
}

/** What the sign-in page may offer (`GET /v1/auth/config`). */
export interface AuthConfig {
  oidc: { enabled: boolean; invite_required: boolean };
}

interface MeResponse {
  id: string;
  name: string;
  role: string;
}

interface SessionResponse {
  account: { id: string; name: string; role: string };
  csrf_token: string;
}

export const SESSION_STORAGE_KEY = "darkbloom.console.session";

export class SignInError extends Error {}

@Injectable({ providedIn: "root" })
export class SessionService {
  private readonly http = inject(HttpClient);
  private readonly base = inject(API_BASE);
  private readonly current = signal<Session | null>(readStored());
  private restoring: Promise<Session | null> | undefined;

  readonly session = this.current.asReadonly();
  readonly signedIn = computed(() => this.current() !== null);
  readonly role = computed(() => this.current()?.role ?? null);

  /**
   * The session as the coordinator knows it: this tab's API key if any, else the cookie session
   * (`GET /v1/auth/session`, asked once). Guards wait for it before deciding.
   */
  restore(): Promise<Session | null> {
    const s = this.current();
    if (s) return Promise.resolve(s);
    this.restoring ??= firstValueFrom(
      this.http.get<SessionResponse>(`${this.base}/v1/auth/session`),
    ).then(
      (r) => {
        // an API-key sign-in that finished meanwhile wins
        if (this.current()) return this.current();
        const session: Session = {
          kind: "cookie",
          accountId: r.account.id,
          name: r.account.name,
          role: asRole(r.account.role),
          apiKey: "",
          csrfToken: r.csrf_token,
        };
        this.current.set(session);
        return session;
      },
      () => this.current(),
    );
    return this.restoring;
  }

  /** The sign-in options this coordinator offers; API keys only when it cannot be asked. */
  async authConfig(): Promise<AuthConfig> {
    try {
      return await firstValueFrom(this.http.get<AuthConfig>(`${this.base}/v1/auth/config`));
    } catch {
      return { oidc: { enabled: false, invite_required: false } };
    }
  }

  /** Where the browser goes to sign in (or up) with the identity provider. */
  oidcStartUrl(next: string, codes: { invite?: string; referral?: string } = {}): string {
    const query = new URLSearchParams({ next: safeNext(next) });
    if (codes.invite?.trim()) query.set("invite", codes.invite.trim());
    if (codes.referral?.trim()) query.set("referral", codes.referral.trim());
    return `${this.base}/v1/auth/oidc/start?${query.toString()}`;
  }

  /** Checks the key against `GET /v1/me` and keeps it for this tab. */
  async signInWithApiKey(apiKey: string): Promise<Session> {
    const key = apiKey.trim();
    if (!key) throw new SignInError("Enter an API key.");
    let me: MeResponse;
    try {
      me = await firstValueFrom(
        this.http.get<MeResponse>(`${this.base}/v1/me`, {
          headers: { authorization: `Bearer ${key}` },
        }),
      );
    } catch (err) {
      if (err instanceof HttpErrorResponse && (err.status === 401 || err.status === 403))
        throw new SignInError(
          err.status === 401
            ? "This API key is not valid."
            : "This API key may not read the account (it needs the account:read scope).",
        );
      throw new SignInError("The coordinator could not be reached. Try again.");
    }
    const session: Session = {
      kind: "api-key",
      accountId: me.id,
      name: me.name,
      role: asRole(me.role),
      apiKey: key,
      csrfToken: "",
    };
    this.current.set(session);
    storage()?.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
    return session;
  }

  /** Forgets the session here; a cookie session is also revoked on the coordinator. */
  async signOut(): Promise<void> {
    const s = this.current();
    this.current.set(null);
    this.restoring = undefined;
    storage()?.removeItem(SESSION_STORAGE_KEY);
    if (s?.kind !== "cookie") return;
    try {
      await firstValueFrom(
        this.http.post(`${this.base}/v1/auth/sign-out`, null, {
          headers: { "x-csrf-token": s.csrfToken },
        }),
      );
    } catch {
      // already ended on the coordinator (expired or signed out elsewhere): nothing to revoke
    }
  }

  /** Headers that authenticate a request as the signed-in account (none when signed out). */
  authHeaders(): Record<string, string> {
    const s = this.current();
    if (!s) return {};
    return s.kind === "cookie"
      ? { "x-csrf-token": s.csrfToken }
      : { authorization: `Bearer ${s.apiKey}` };
  }
}

/** Only a path inside the console: never an absolute URL from the query string. */
export function safeNext(next: string | null | undefined): string {
  return next && /^\/(?![/\\])[^\s\\]{0,500}$/.test(next) ? next : "/";
}

function asRole(role: string): Role {
  return role === "admin" || role === "provider" ? role : "consumer";
}

function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}

function readStored(): Session | null {
  try {
    const raw = storage()?.getItem(SESSION_STORAGE_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Partial<Session>;
    if (s.kind !== "api-key" || typeof s.apiKey !== "string" || typeof s.accountId !== "string")
      return null;
    return {
      kind: "api-key",
      accountId: s.accountId,
      name: String(s.name ?? ""),
      role: asRole(String(s.role)),
      apiKey: s.apiKey,
      csrfToken: "",
    };
  } catch {
    return null;
  }
}
