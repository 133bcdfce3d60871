// The edge: the OpenAI/Anthropic/Responses surface, accounts and admin, stats and openapi as
// routes of the front door, and the sealed-body key ring.
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Client } from "@connectrpc/connect";
import type { SessionCheck, SessionRequest } from "@darkbloom/auth";
import type { DatabasePool } from "@darkbloom/db";
import {
  createEdgeRoutes,
  createSealedDeps,
  sealedReservationTokenKey,
  type ModelCatalog,
  type OperatorMachine,
  type Principal,
  type TrafficRing,
} from "@darkbloom/edge";
import type {
  AttestationService,
  KeyLimitsService,
  LedgerService,
  RoutingService,
} from "@darkbloom/proto";
import type { Logger, Registry } from "@darkbloom/telemetry";
import type { CoordinatorConfig } from "../config.js";
import { stripeSettings } from "../money-wiring.js";

export interface EdgeClients {
  readonly routing: Client<typeof RoutingService>;
  readonly ledger: Client<typeof LedgerService>;
  readonly keyLimits: Client<typeof KeyLimitsService>;
  readonly attestation: Client<typeof AttestationService>;
}

export interface EdgeSources {
  readonly pool: DatabasePool;
  readonly clients: EdgeClients;
  readonly openHolds: { add(requestId: string): void; remove(requestId: string): void };
  readonly authenticate: (key: string) => Promise<Principal | null>;
  readonly sessions: (request: SessionRequest) => Promise<SessionCheck>;
  readonly onAuthenticated: (req: IncomingMessage) => void;
  readonly catalog: ModelCatalog;
  /** The inference routes' figures per interval (the admin console's traffic page). */
  readonly traffic: TrafficRing;
  /** The machines online now that an operator account owns. */
  readonly machinesOf: (operatorAccountId: string) => OperatorMachine[];
}

export function buildEdge(
  config: CoordinatorConfig,
  sources: EdgeSources,
  metrics: Registry,
  log: Logger,
) {
  const { pool, clients } = sources;
  const sealed = createSealedDeps(
    pool,
    clients.attestation,
    metrics,
    {
      keyRotationMs: config.encryptionKeyRotationMs,
      keyGraceMs: config.encryptionKeyGraceMs,
      atRestKey: config.keyEncryptionKey,
      // sealed reserve on one replica, submit on another: a key every replica derives alike
      ...(config.peers.enabled
        ? { reservationTokenKey: sealedReservationTokenKey(config.peers.secret) }
        : {}),
    },
    log.child({ component: "sealed-body" }),
  );
  const routes = createEdgeRoutes({
    routing: clients.routing,
    ledger: clients.ledger,
    keyLimits: clients.keyLimits,
    openHolds: sources.openHolds,
    authenticate: sources.authenticate,
    sessions: sources.sessions,
    onAuthenticated: sources.onAuthenticated,
    traffic: sources.traffic,
    log: log.child({ component: "edge" }),
    options: {
      maxBodyBytes: config.maxBodyBytes,
      defaultMaxTokens: config.defaultMaxTokens,
      keepAliveIntervalMs: config.sseKeepAliveMs,
      prefixHashSecret: config.prefixHashSecret ?? new Uint8Array(randomBytes(32)),
    },
    sealed,
    account: {
      pool,
      stripe: stripeSettings(config.money),
      payoutMinimumMicroUsd: config.money.payoutMinimumMicroUsd,
      payoutMaxAttempts: config.money.payoutMaxAttempts,
      machinesOf: sources.machinesOf,
    },
    catalog: sources.catalog,
  });
  return { sealed, routes };
}
