import type { DatabasePool } from "@darkbloom/db";
import { hashSecret } from "./device-code-format.js";
import { listLiveTokenHashes } from "./device-code-store.js";

export type TokenAdmission =
  { ok: true; accountId: string | undefined } | { ok: false; code: string; message: string };

/**
 * Live provider-token hashes in memory, so the gateway can check `Register.auth_token`
 * synchronously. Reloaded from Postgres every refreshMs (tokens minted on another replica become
 * valid within that time; a refused provider simply reconnects) and at once after a local mint.
 */
export class ProviderTokenCache {
  private byHash = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: DatabasePool,
    private readonly refreshMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(this.onError), this.refreshMs);
  }

  async refresh(): Promise<void> {
    const rows = await listLiveTokenHashes(this.pool);
    this.byHash = new Map(rows.map((r) => [r.hash.toString("hex"), r.accountId]));
  }

  /** The account of a live token, or undefined. */
  accountFor(token: string): string | undefined {
    return token ? this.byHash.get(hashSecret(token).toString("hex")) : undefined;
  }

  /**
   * Registration check for `Register.auth_token`: a token must be live; no token is accepted
   * only when tokens are not required (local mode by default).
   */
  admit(token: string, required: boolean): TokenAdmission {
    if (!token)
      return required
        ? {
            ok: false,
            code: "provider_token_required",
            message: "this coordinator needs a provider token: run darkbloom login",
          }
        : { ok: true, accountId: undefined };
    const accountId = this.accountFor(token);
    return accountId
      ? { ok: true, accountId }
      : {
          ok: false,
          code: "invalid_provider_token",
          message: "the provider token is unknown or revoked: run darkbloom login again",
        };
  }

  close(): void {
    clearInterval(this.timer);
  }
}
