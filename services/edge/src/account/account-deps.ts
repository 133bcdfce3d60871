import type { IncomingMessage, ServerResponse } from "node:http";
import type { DatabasePool } from "@darkbloom/db";
import type { StripeSettings } from "@darkbloom/ledger";
import type { Logger } from "@darkbloom/telemetry";
import type { Principal } from "../edge-context.js";

/** What the account, key, usage, pricing and billing endpoints need; wired by the coordinator. */
export interface AccountDeps {
  pool: DatabasePool;
  /** Absent: the billing endpoints answer 501. */
  stripe: StripeSettings | undefined;
  /** Part of a provider's earnings that stays behind on payout. */
  payoutMinimumMicroUsd: bigint;
  /** Transfer attempts before a pending payout is failed (default 5). */
  payoutMaxAttempts?: number;
}

/** One account-surface request after routing (and authentication, where the route needs it). */
export interface AccountRequest {
  deps: AccountDeps;
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  /** Captured path segments of the route pattern. */
  params: readonly string[];
  query: URLSearchParams;
  /** null only on public routes. */
  principal: Principal | null;
  body: Buffer;
  log: Logger;
}

export function principalOf(ctx: AccountRequest): Principal {
  if (ctx.principal === null) throw new TypeError("route declared public but needs a principal");
  return ctx.principal;
}
