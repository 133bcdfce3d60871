// The device-code flow's approve route (services/auth/src/device-code/device-http.ts).
import { HttpClient, HttpErrorResponse } from "@angular/common/http";
import { Injectable, inject } from "@angular/core";
import { firstValueFrom } from "rxjs";
import { API_BASE } from "./api-base";
import { apiErrorMessage } from "./api-error";
import { SessionService } from "./session";

export type DeviceDecision = "approve" | "deny";
export type DeviceOutcome =
  | { ok: true; status: "approved" | "denied"; userCode: string }
  | {
      ok: false;
      reason: "unknown" | "expired" | "already_decided" | "unauthorized" | "other";
      message: string;
    };

/** Typed codes are loose (case, spaces, dashes): the same normalization as the server's. */
export function normalizeUserCode(input: string): string {
  const s = input.toUpperCase().replace(/[^A-Z]/g, "");
  return s.length === 8 ? `${s.slice(0, 4)}-${s.slice(4)}` : s;
}

@Injectable({ providedIn: "root" })
export class DeviceApi {
  private readonly http = inject(HttpClient);
  private readonly base = inject(API_BASE);
  private readonly session = inject(SessionService);

  async decide(userCode: string, decision: DeviceDecision): Promise<DeviceOutcome> {
    const code = normalizeUserCode(userCode);
    try {
      const r = await firstValueFrom(
        this.http.post<{ user_code: string; status: "approved" | "denied" }>(
          `${this.base}/v1/device/approve`,
          { user_code: code, action: decision },
          { headers: this.session.authHeaders() },
        ),
      );
      return { ok: true, status: r.status, userCode: r.user_code };
    } catch (err) {
      const status = err instanceof HttpErrorResponse ? err.status : 0;
      const reason =
        status === 404
          ? "unknown"
          : status === 410
            ? "expired"
            : status === 409
              ? "already_decided"
              : status === 401 || status === 403
                ? "unauthorized"
                : "other";
      return { ok: false, reason, message: apiErrorMessage(err) };
    }
  }
}
