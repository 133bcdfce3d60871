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
  /** The machines online now that are linked to an operator account (absent: none are listed). */
  machinesOf?: (operatorAccountId: string) => OperatorMachine[];
}

/** A provider online now, as its own operator may see it (GET /v1/provider/machines). */
export interface OperatorMachine {
  providerId: string;
  version: string;
  chip: string;
  memoryGb: number;
  models: string[];
  /** none | software | hardware | hardware_mda */
  trust: string;
  /** False when attestation fenced it (it serves nothing until it attests again). */
  routable: boolean;
  trustReason: string;
  inFlight: number;
  connectedAtMs: number;
  lastHeartbeatMs: number;
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
