// Routing: the provider gateway (WebSocket), reservations, the scheduler, the warm pool and, with
// peers, this replica's presence in the network of replicas.
import type { DatabasePool } from "@darkbloom/db";
import {
  DEFAULT_HEDGE,
  Presence,
  ProviderGateway,
  Reservations,
  WarmPoolController,
  createRoutingMetrics,
  createRoutingService,
  type ProviderRegistry,
} from "@darkbloom/routing";
import type { SessionTrustHooks } from "@darkbloom/session-trust";
import { Gauge, type Logger, type Registry, type UnexpectedErrors } from "@darkbloom/telemetry";
import type { CoordinatorConfig } from "../config.js";
import { createPeerLinks } from "../peer-link.js";
import { SharedWarmPool } from "../warm-pool/shared-warm-pool.js";

export const PROVIDER_WS_PATH = "/v1/provider/connect";

export interface RoutingDeps {
  readonly pool: DatabasePool;
  readonly databaseUrl: string;
  readonly registry: ProviderRegistry;
  /** Admits a provider's registration (provider token, then attestation). */
  readonly trust: SessionTrustHooks;
  readonly unexpected: UnexpectedErrors;
}

export function buildRouting(
  config: CoordinatorConfig,
  deps: RoutingDeps,
  metrics: Registry,
  log: Logger,
) {
  const { registry } = deps;
  // With peers, reservation ids name their replica (a sealed submit to a peer is run here).
  const reservations = new Reservations(
    config.reservationTtlMs,
    config.peers.enabled ? `${config.peers.replicaId}~` : "",
  );
  const gateway = new ProviderGateway(
    registry,
    {
      path: PROVIDER_WS_PATH,
      registerTimeoutMs: config.registerTimeoutMs,
      probeTimeoutMs: config.probeTimeoutMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      livenessTimeoutMs: config.livenessTimeoutMs,
      writeTimeoutMs: config.writeTimeoutMs,
      maxFrameBytes: config.maxFrameBytes,
      trust: deps.trust,
      unexpected: deps.unexpected,
    },
    metrics,
    log.child({ component: "gateway" }),
    (providerId) => reservations.dropProvider(providerId),
  );
  // many replicas as one network: peers' providers join the registry as remote handles
  const peerLinks = config.peers.enabled
    ? createPeerLinks(config.peers.secret, config.connections.requestTimeoutMs)
    : undefined;
  const presence = peerLinks
    ? new Presence(
        {
          pool: deps.pool,
          databaseUrl: deps.databaseUrl,
          registry,
          link: peerLinks,
          log: log.child({ component: "presence" }),
        },
        { replicaId: config.peers.replicaId },
      )
    : undefined;
  // One replica runs the controller (Postgres advisory-lock lease); the policy lives in Postgres.
  const warmPoolLog = log.child({ component: "warm-pool" });
  const warmPoolController = new WarmPoolController(registry, warmPoolLog);
  const warmPoolLeader = new Gauge({
    name: "darkbloom_warm_pool_controller",
    help: "1 on the replica that holds the warm-pool controller lease, else 0",
    registers: [metrics],
  });
  const warmPool = new SharedWarmPool(deps.pool, warmPoolController, warmPoolLog, {
    onLeadership: (leader) => warmPoolLeader.set(leader ? 1 : 0),
  });
  const impl = createRoutingService({
    registry,
    reservations,
    warmPool,
    log: log.child({ component: "routing" }),
    ...(presence && peerLinks
      ? {
          peers: {
            replicaId: presence.replicaId,
            link: peerLinks,
            addressOf: (id: string) => presence.addressOf(id),
          },
        }
      : {}),
    metrics: createRoutingMetrics(metrics),
    options: {
      profile: config.routing.profile,
      reconnectGraceMs: config.routing.reconnectGraceMs,
      queue: {
        timeoutMs: config.routing.queueTimeoutMs,
        maxDepthPerModel: config.routing.queueMaxDepth,
        recheckIntervalMs: 500,
      },
      hedge: {
        ...DEFAULT_HEDGE,
        enabled: config.routing.hedgeEnabled,
        firstTokenTimeoutMs: config.routing.firstTokenTimeoutMs,
      },
    },
  });
  return { reservations, gateway, peerLinks, presence, warmPool, warmPoolController, impl };
}
