// The composition root: one named builder per service (build/), each given its configuration;
// this file only orders them, starts the server and stops everything in one visible order.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import {
  authMigrations,
  consoleSessionMigrations,
  deviceCodeMigrations,
  ensureBootstrapKey,
} from "@darkbloom/auth";
import { attestationMigrations } from "@darkbloom/attestation";
import { TrafficRing, sealedBodyMigrations } from "@darkbloom/edge";
import type { HttpRoute } from "@darkbloom/http-body";
import { ledgerMigrations } from "@darkbloom/ledger";
import { RELEASES_MIGRATIONS } from "@darkbloom/releases";
import {
  ProviderRegistry,
  forwardInferTo,
  routingMigrations,
  type Presence,
} from "@darkbloom/routing";
import {
  createMetricsRegistry,
  createUnexpectedErrors,
  type Logger,
  type UnexpectedErrors,
} from "@darkbloom/telemetry";
import { requireAdmin } from "./admin-interceptor.js";
import { operatorMachines } from "./operator-machines.js";
import { createTrafficService } from "./traffic-service.js";
import { saveBootstrapKey } from "./bootstrap-key-file.js";
import { buildAttestation } from "./build/build-attestation.js";
import { buildAuth } from "./build/build-auth.js";
import { buildEdge } from "./build/build-edge.js";
import { buildFrontDoor } from "./build/build-front-door.js";
import { buildLedger } from "./build/build-ledger.js";
import { buildReleases } from "./build/build-releases.js";
import { buildRouting } from "./build/build-routing.js";
import { buildRpc } from "./build/build-rpc.js";
import type { CoordinatorConfig } from "./config.js";
import { openDatabase } from "./database.js";
import { gateProviderTokens } from "./provider-token-gate.js";
import { startMetricsServer } from "./metrics-server.js";
import { DualProtocolServer } from "./dual-protocol-server.js";
import { createConnectionMetrics } from "./connection-metrics.js";
import { createActiveStreams } from "./active-streams.js";
import { refuseUpgrade, refuseUpgradeDraining } from "./connection-refusals.js";
import { runDrain, type DrainHook } from "./drain.js";
import { HealthProbes } from "./health-probes.js";
import { UnauthenticatedConnections } from "./unauthenticated-connections.js";
import { createPeerForwardServer } from "./peer-forward-server.js";
import { peerSecretCheck, requirePeerOrElse } from "./peer-secret.js";
import { advertiseUrlOf } from "./advertise-url.js";
import { warmPoolMigrations } from "./warm-pool/warm-pool-store.js";
import { createConsoleRoutes } from "./console-static.js";

export { PROVIDER_WS_PATH } from "./build/build-routing.js";

export interface Coordinator {
  url: string;
  port: number;
  /** Where Prometheus scrapes `/metrics` (its own listener, never the API port). */
  metricsUrl: string;
  /** The admin key created on this start (first start only). */
  bootstrapKey: string | undefined;
  registry: ProviderRegistry;
  /** The front door's route table: every HTTP route of the coordinator. */
  routes: readonly HttpRoute[];
  /** This replica in the network (DARKBLOOM_PEERS=true); drain calls `leavePresence()` first. */
  presence: Presence | undefined;
  /** `/readyz` state: "ready" once listening, "draining" from the first step of close(). */
  probes: HealthProbes;
  /**
   * Run at the start of a drain, right after readiness turns 503 (e.g. presence "leave now").
   * Components created in startCoordinator push theirs onto `drainHooks` there; others call this.
   */
  onDrain(hook: DrainHook): void;
  /** Reports errors that escaped every handler; main.ts routes the process's own to it. */
  unexpected: UnexpectedErrors;
  close(): Promise<void>;
}

/**
 * The composition root (over 80 lines on purpose: every service is built, started and stopped
 * here, in one visible order).
 */
export async function startCoordinator(
  config: CoordinatorConfig,
  log: Logger,
): Promise<Coordinator> {
  const db = await openDatabase(
    config.databaseUrl,
    config.dataDir,
    [
      authMigrations,
      ledgerMigrations,
      RELEASES_MIGRATIONS,
      sealedBodyMigrations,
      deviceCodeMigrations,
      consoleSessionMigrations,
      attestationMigrations,
      routingMigrations,
      warmPoolMigrations,
    ],
    log,
  );
  const bootstrap = await ensureBootstrapKey(db.pool);
  if (bootstrap && db.embedded) await saveBootstrapKey(config.dataDir, bootstrap.key);
  /** This coordinator's URL: set once the server listens (default redirect and device URIs). */
  let url = "";

  const metrics = createMetricsRegistry({ defaultMetrics: true });
  const unexpected = createUnexpectedErrors(metrics, log);
  const connectionMetrics = createConnectionMetrics(metrics);
  const unauthenticated = new UnauthenticatedConnections(
    config.connections.maxUnauthenticatedPerAddress,
    connectionMetrics.unauthenticated,
  );
  const registry = new ProviderRegistry();

  const auth = await buildAuth(db, config, () => url, log);
  const {
    impl: ledgerImpl,
    holdSweeper,
    leases,
  } = await buildLedger(db.pool, db.url, config.money, config.peers.replicaId, metrics, log);
  const releases = buildReleases(db.pool, {
    authenticate: auth.authenticate,
    releaseToken: config.releaseToken,
  });
  const attestation = await buildAttestation(
    config.attestation,
    db.pool,
    {
      registry,
      releases: releases.client,
      lookupModelHashes: (id) => releases.modelRegistry.lookupModelHashes(id),
      authenticate: auth.authenticate,
    },
    metrics,
    log,
  );
  const { authority } = attestation;
  const routing = buildRouting(
    config,
    {
      pool: db.pool,
      databaseUrl: db.url,
      registry,
      trust: gateProviderTokens(authority, auth.providerTokens, config.requireProviderToken),
      unexpected,
    },
    metrics,
    log,
  );
  const { gateway, presence, peerLinks, warmPool, warmPoolController } = routing;
  // the inference routes' own figures per 10 s interval, for the admin console's traffic page
  const traffic = new TrafficRing();
  const rpc = buildRpc(
    {
      routing: routing.impl,
      attestation: attestation.impl,
      release: releases.impl,
      ledger: ledgerImpl,
      keyLimits: auth.keyLimitsImpl,
      traffic: createTrafficService(
        traffic,
        config.peers.enabled ? config.peers.replicaId : "local",
      ),
    },
    requirePeerOrElse(config.peers.secret, requireAdmin(auth.authenticate, auth.sessions)),
  );
  await authority.start();
  const ledger = rpc.clients.ledger;
  if (bootstrap && config.bootstrapCreditMicroUsd > 0) {
    await ledger.credit({
      accountId: bootstrap.accountId,
      amountMicroUsd: BigInt(config.bootstrapCreditMicroUsd),
      reason: "starting credit of the first admin account",
      idempotencyKey: `bootstrap:${bootstrap.accountId}`,
    });
  }
  const edge = buildEdge(
    config,
    {
      pool: db.pool,
      clients: rpc.clients,
      openHolds: holdSweeper.heartbeat,
      authenticate: auth.authenticate,
      sessions: auth.sessions,
      onAuthenticated: (req) => unauthenticated.authenticated(req.socket),
      catalog: releases.catalog,
      traffic,
      machinesOf: operatorMachines(() => registry.all()),
    },
    metrics,
    log,
  );
  const { sealed } = edge;

  const inFlight = new Set<ServerResponse>();
  const frontDoor = buildFrontDoor(
    [
      ...edge.routes,
      ...auth.routes(ledger),
      ...releases.routes,
      ...attestation.routes,
      ...createConsoleRoutes(config.consoleDir),
    ],
    config.maxBodyBytes,
    { inFlight, activeStreams: createActiveStreams(metrics) },
    metrics,
    log,
  );
  const probes = new HealthProbes();
  // Drain hooks run first on SIGTERM, after readiness turns 503 (presence leaves here).
  // The warm-pool lease is released first: another replica takes the controller over at once.
  const drainHooks: DrainHook[] = [{ name: "warm-pool lease", run: () => warmPool.close() }];
  if (presence) drainHooks.push({ name: "leave presence", run: () => presence.leavePresence() });
  const h1 = (req: IncomingMessage, res: ServerResponse): void => {
    if (probes.handle(req, res)) return;
    if (!frontDoor.handle(req, res)) rpc.connect(req, res);
  };
  // ForwardInfer from a peer on the bare h2 stream (peer-forward-server.ts); only with peers on
  const peerForward = config.peers.enabled
    ? createPeerForwardServer({
        secret: peerSecretCheck(config.peers.secret),
        forward: (req, sink) => forwardInferTo(registry, req, sink),
        maxRequestBytes: 2 * config.maxBodyBytes + (1 << 20),
      })
    : undefined;
  const h2 = (req: Http2ServerRequest, res: Http2ServerResponse): void => {
    if (probes.handle(req, res)) return;
    rpc.connect(req, res);
  };
  const server = new DualProtocolServer(h1, h2, {
    limits: config.connections,
    metrics: connectionMetrics,
    errors: unexpected,
    unauthenticated,
    claimHttp2Stream: peerForward,
  });
  server.onUpgrade((req, socket, head) => {
    // A draining replica takes no new provider: refused, it retries and lands on another one.
    if (probes.readiness === "draining") return refuseUpgradeDraining(socket);
    const registered = (): void => unauthenticated.authenticated(socket);
    if (!gateway.handleUpgrade(req, socket, head, registered)) refuseUpgrade(socket);
  });

  const metricsServer = await startMetricsServer(
    metrics,
    config.metricsHost,
    config.metricsPort,
    log,
  );
  const port = await server.listen(config.port, config.host);
  url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  warmPool.start();
  log.info("coordinator listening", { url });
  if (presence) {
    await presence.start(advertiseUrlOf(config, port));
    log.info("joined presence", {
      replicaId: presence.replicaId,
      advertiseUrl: presence.advertiseUrl,
    });
  }
  // Ready only once the network's providers are known: a load balancer that sent a request in
  // before presence was loaded got 404 "no provider online" from a restarted replica.
  probes.ready();

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    metricsUrl: metricsServer.url,
    bootstrapKey: bootstrap?.key,
    registry,
    routes: frontDoor.table.routes,
    presence,
    probes,
    onDrain: (hook) => void drainHooks.push(hook),
    unexpected,
    close() {
      closing ??= (async () => {
        // Drain (docs/runbooks/replicas.md): readiness 503, hooks, then stop accepting, GoAway
        // to providers, let consumer requests finish within the grace period.
        const { closed: drained } = await runDrain({
          probes,
          hooks: drainHooks,
          delayMs: config.drain.delayMs,
          graceMs: config.shutdownGraceMs,
          goAwayFirst: config.peers.enabled,
          stopAccepting: () => server.close(config.shutdownGraceMs),
          goAway: () =>
            gateway.goAwayAll(
              config.drain.goAwayDelayMs,
              config.drain.goAwayJitterMs,
              "coordinator draining",
            ),
          inFlight: () => inFlight.size + gateway.inFlight,
          log,
        });
        gateway.close();
        await warmPool.close();
        warmPoolController.close();
        auth.providerTokens.close();
        await holdSweeper.close();
        authority.close();
        await drained;
        await leases?.close();
        await presence?.close();
        peerLinks?.close();
        await metricsServer.close();
        sealed.close();
        await auth.apiKeys.close();
        await db.close();
        log.info("coordinator stopped");
      })();
      return closing;
    },
  };
}
