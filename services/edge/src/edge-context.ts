import type { IncomingMessage, ServerResponse } from "node:http";
import type { Client } from "@connectrpc/connect";
import type { LedgerService, RoutingService } from "@darkbloom/proto";
import type { Logger } from "@darkbloom/telemetry";
import type { EdgeError } from "./errors/edge-error.js";

export interface Principal {
  accountId: string;
  keyId: string;
  role: string;
}

export interface EdgeOptions {
  maxBodyBytes: number;
  defaultMaxTokens: number;
}

/** Everything the edge needs from the rest of the coordinator, passed in by the composition root. */
export interface EdgeDeps {
  routing: Client<typeof RoutingService>;
  ledger: Client<typeof LedgerService>;
  authenticate(apiKey: string): Promise<Principal | null>;
  log: Logger;
  options: EdgeOptions;
}

export type EdgeContext = EdgeDeps;

/** One HTTP request as the handlers see it, after auth and body parsing. */
export interface EdgeRequest {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  generationId: string;
  createdUnix: number;
  principal: Principal;
  json: Record<string, unknown>;
  /** Aborted when the consumer goes away before the response is finished. */
  signal: AbortSignal;
  log: Logger;
  toEdgeError(err: unknown): EdgeError;
}
