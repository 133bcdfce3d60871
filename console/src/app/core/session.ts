// Who is signed in. Today: an API key, kept in sessionStorage (this tab only, gone when it
// closes; never a cookie). Later: an OpenID Connect sign-in with an HttpOnly cookie session, as
// another `SessionKind` whose requests carry the cookie (and a CSRF token) instead of a Bearer key.
import { HttpClient, HttpErrorResponse } from "@angular/common/http";
import { Injectable, computed, inject, signal } from "@angular/core";
import { firstValueFrom } from "rxjs";
import { API_BASE } from "./api-base";

export type Role = "consumer" | "provider" | "admin";
export type SessionKind = "api-key";

export interface Session {
  kind: SessionKind;
  accountId: string;
  name: string;
  role: Role;
  /** The secret that authenticates requests (api-key sessions only). */
  apiKey: string;
}

interface MeResponse {
  id: string;
  name: string;
  role: string;
}

export const SESSION_STORAGE_KEY = "darkbloom.console.session";

export class SignInError extends Error {}

@Injectable({ providedIn: "root" })
export class SessionService {
  private readonly http = inject(HttpClient);
  private readonly base = inject(API_BASE);
  private readonly current = signal<Session | null>(readStored());

  readonly session = this.current.asReadonly();
  readonly signedIn = computed(() => this.current() !== null);
  readonly role = computed(() => this.current()?.role ?? null);

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
    };
    this.current.set(session);
    storage()?.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
    return session;
  }

  signOut(): void {
    this.current.set(null);
    storage()?.removeItem(SESSION_STORAGE_KEY);
  }

  /** Headers that authenticate a request as the signed-in account (none when signed out). */
  authHeaders(): Record<string, string> {
    const s = this.current();
    return s ? { authorization: `Bearer ${s.apiKey}` } : {};
  }
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
    };
  } catch {
    return null;
  }
}
