import type { IncomingMessage, ServerResponse } from "node:http";
import type { Client } from "@connectrpc/connect";
import type { SessionCheck, SessionRequest } from "@darkbloom/auth";
import type { KeyLimitsService, LedgerService, RoutingService } from "@darkbloom/proto";
import type { Logger } from "@darkbloom/telemetry";
import type { EdgeError } from "./errors/edge-error.js";
import type { RequestTiming } from "./timing/request-timing.js";
import type { TrafficRecorder } from "./timing/traffic-ring.js";
import type { SealedDeps } from "./sealed-body/index.js";
import type { AccountDeps } from "./account/account-deps.js";
import type { ModelCatalog } from "./models/model-catalog.js";
import type { RequestClaim } from "./http/request-id.js";

export interface Principal {
  accountId: string;
  keyId: string;
  role: string;
  /** What the key may do (docs/api.md, "Key scopes"); checked per route. */
  scopes: readonly string[];
  /** An API key without RPM, TPM or budget limits: false (request-money.ts skips them). */
  limited?: boolean;
}

export interface EdgeOptions {
  maxBodyBytes: number;
  defaultMaxTokens: number;
  /** SSE `: keep-alive` comment interval while a stream waits for output (0 = off; default 10 s). */
  keepAliveIntervalMs?: number;
  /** Keys the per-account prefix-affinity hashes (docs/routing.md); absent: no prefix hashes. */
  prefixHashSecret?: Uint8Array;
}

/** Everything the edge needs from the rest of the coordinator, passed in by the composition root. */
export interface EdgeDeps {
  routing: Client<typeof RoutingService>;
  ledger: Client<typeof LedgerService>;
  /** Per-key limits (auth's KeyLimitsService); absent: keys have none. */
  keyLimits?: Client<typeof KeyLimitsService>;
  /** Keeps the holds (and key reservations) of running requests from being swept. */
  openHolds?: { add(requestId: string): void; remove(requestId: string): void };
  authenticate(apiKey: string): Promise<Principal | null>;
  /** The console's cookie sessions, used when a request has no API key; absent: keys only. */
  sessions?(request: SessionRequest): Promise<SessionCheck>;
  /** A request authenticated: its connection stops counting as unauthenticated (per-address cap). */
  onAuthenticated?(req: IncomingMessage): void;
  log: Logger;
  options: EdgeOptions;
  /** Sealed bodies (compat mode) and sealed mode; absent: both are off. */
  sealed?: SealedDeps;
  /** Accounts, keys, usage, pricing, billing and per-key limits; absent: those endpoints 404. */
  account?: AccountDeps;
  /** The model registry's published catalog (display data for /v1/models); absent: none. */
  catalog?: ModelCatalog;
  /** Told of every finished inference request (the admin traffic page's figures); absent: none. */
  traffic?: TrafficRecorder;
}

export type EdgeContext = EdgeDeps;

/** One HTTP request as the handlers see it, after auth and body parsing. */
export interface EdgeRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** The consumer's x-request-id (or a generated one): echoed, for correlation only. */
  requestId: string;
  /** The coordinator's own id of this request and its claim of `requestId` (request-id.ts). */
  claim: RequestClaim;
  generationId: string;
  createdUnix: number;
  principal: Principal;
  json: Record<string, unknown>;
  /** Aborted when the consumer goes away before the response is finished. */
  signal: AbortSignal;
  log: Logger;
  toEdgeError(err: unknown): EdgeError;
  /** The request's stopwatch (X-Timing). */
  timing: RequestTiming;
  /** Interval of SSE `: keep-alive` comments while a stream waits for output (0 = off). */
  keepAliveIntervalMs: number;
}
