// Over 300 lines: the composition root wires every service of the coordinator in one place.
import { createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import {
  createClient,
  createRouterTransport,
  createServiceImplSpec,
  type ConnectRouter,
} from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  ApiKeyVerifier,
  authMigrations,
  consoleSessionMigrations,
  createAuthenticator,
  createKeyLimitsService,
  type SessionRequest,
  ensureBootstrapKey,
} from "@darkbloom/auth";
import {
  ProviderTokenCache,
  createDeviceAuthorization,
  createDeviceHttp,
  deviceCodeMigrations,
} from "@darkbloom/auth";
import {
  attestationMigrations,
  createAttestationService,
  createAuthority,
  createIdentityStore,
  createDeviceStore,
  createEnrollmentHttp,
  loadMdmIdentityRoots,
  loadProfileSigner,
} from "@darkbloom/attestation";
import {
  createEdgeHandler,
  createSealedDeps,
  isInferenceRequest,
  sealedBodyMigrations,
  type Principal,
} from "@darkbloom/edge";
import { createLedgerService, ledgerMigrations } from "@darkbloom/ledger";
import {
  AttestationService,
  KeyLimitsService,
  LedgerService,
  ReleaseService,
  RoutingService,
} from "@darkbloom/proto";
import {
  RELEASES_MIGRATIONS,
  createModelRegistry,
  createReleaseService,
} from "@darkbloom/releases";
import { createReleasesHttp } from "@darkbloom/releases";
import {
  Presence,
  ProviderGateway,
  ProviderRegistry,
  Reservations,
  routingMigrations,
  DEFAULT_HEDGE,
  WarmPoolController,
  createRoutingMetrics,
  createRoutingService,
} from "@darkbloom/routing";
import {
  Gauge,
  createMetricsRegistry,
  createUnexpectedErrors,
  type Logger,
  type UnexpectedErrors,
} from "@darkbloom/telemetry";
import { requireAdmin } from "./admin-interceptor.js";
import { saveBootstrapKey } from "./bootstrap-key-file.js";
import type { CoordinatorConfig } from "./config.js";
import { openDatabase } from "./database.js";
import { gateProviderTokens } from "./provider-token-gate.js";
import { startHoldSweeper } from "./hold-sweeper-wiring.js";
import { startMetricsServer } from "./metrics-server.js";
import { withScope } from "./scoped-authenticate.js";
import { DualProtocolServer } from "./dual-protocol-server.js";
import { createConnectionMetrics } from "./connection-metrics.js";
import { createActiveStreams } from "./active-streams.js";
import { refuseUpgrade, refuseUpgradeDraining } from "./connection-refusals.js";
import { runDrain, type DrainHook } from "./drain.js";
import { HealthProbes } from "./health-probes.js";
import { UnauthenticatedConnections } from "./unauthenticated-connections.js";
import { registryDirectory } from "./registry-directory.js";
import { jwtSessionOptions, stripeSettings } from "./money-wiring.js";
import { createPeerLinks } from "./peer-link.js";
import { requirePeerOrElse } from "./peer-secret.js";
import { advertiseUrlOf } from "./advertise-url.js";
import { SharedWarmPool } from "./warm-pool/shared-warm-pool.js";
import { warmPoolMigrations } from "./warm-pool/warm-pool-store.js";
import { createConsoleStatic } from "./console-static.js";
import { createConsoleAuth } from "./console-auth-wiring.js";
import { createInProcessTransport } from "./in-process-transport.js";
import { createLeanClient } from "./lean-client.js";

export const PROVIDER_WS_PATH = "/v1/provider/connect";

export interface Coordinator {
  url: string;
  port: number;
  /** Where Prometheus scrapes `/metrics` (its own listener, never the API port). */
  metricsUrl: string;
  /** The admin key created on this start (first start only). */
  bootstrapKey: string | undefined;
  registry: ProviderRegistry;
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

/** The composition root: the only place services are wired together. */
/**
 * The composition root (over 80 lines on purpose: every service is created, started and stopped
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

  const metrics = createMetricsRegistry({ defaultMetrics: true });
  const unexpected = createUnexpectedErrors(metrics, log);
  const connectionMetrics = createConnectionMetrics(metrics);
  const activeStreams = createActiveStreams(metrics);
  const unauthenticated = new UnauthenticatedConnections(
    config.connections.maxUnauthenticatedPerAddress,
    connectionMetrics.unauthenticated,
  );
  const registry = new ProviderRegistry();
  // With peers, reservation ids name their replica (a sealed submit to a peer is run here).
  const reservations = new Reservations(
    config.reservationTtlMs,
    config.peers.enabled ? `${config.peers.replicaId}~` : "",
  );
  // attestation: verifies registrations, challenges providers, sets each session's trust
  const mdmDevices = createDeviceStore(db.pool);
  const identities = createIdentityStore(db.pool);
  const modelRegistry = createModelRegistry(db.pool);
  const authority = await createAuthority(
    config.attestation,
    {
      releases: () => createClient(ReleaseService, inProcess),
      lookupModelHashes: (id) => modelRegistry.lookupModelHashes(id),
      isEnrolled: (udid) => mdmDevices.isEnrolled(udid),
      identities,
    },
    metrics,
    log.child({ component: "attestation" }),
  );
  // provider tokens (device-code login): checked at registration before attestation
  const providerTokens = new ProviderTokenCache(db.pool, 5_000, (err) =>
    log.warn("provider token refresh failed", { error: String(err) }),
  );
  await providerTokens.start();
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
      trust: gateProviderTokens(authority, providerTokens, config.requireProviderToken),
      unexpected,
    },
    metrics,
    log.child({ component: "gateway" }),
    (providerId) => reservations.dropProvider(providerId),
  );

  // many replicas as one network: peers' providers join the registry as remote handles
  const peerLinks = config.peers.enabled ? createPeerLinks(config.peers.secret) : undefined;
  const presence = peerLinks
    ? new Presence(
        {
          pool: db.pool,
          databaseUrl: db.url,
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
  const warmPool = new SharedWarmPool(db.pool, warmPoolController, warmPoolLog, {
    onLeadership: (leader) => warmPoolLeader.set(leader ? 1 : 0),
  });
  const routingImpl = createRoutingService({
    registry,
    reservations,
    warmPool,
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
  const ledgerImpl = createLedgerService(db.pool, {
    referralSharePercent: config.money.referralSharePercent,
  });
  const holdSweeper = await startHoldSweeper(db.pool, config.money, metrics, log);
  const attestationImpl = createAttestationService(
    registryDirectory(registry),
    authority,
    authority,
    identities,
  );
  const releaseImpl = createReleaseService(db.pool);
  const keyLimitsImpl = createKeyLimitsService(db.pool);
  const routes = (router: ConnectRouter): void => {
    router.service(RoutingService, routingImpl);
    router.service(AttestationService, attestationImpl);
    router.service(ReleaseService, releaseImpl);
    router.service(LedgerService, ledgerImpl);
    router.service(KeyLimitsService, keyLimitsImpl);
  };
  const apiKeys = new ApiKeyVerifier(db.pool, {
    databaseUrl: db.url,
    onError: (err) =>
      log.warn("api key change feed or last-used stamp failed", { error: String(err) }),
  });
  await apiKeys.start();
  const authenticateToken = createAuthenticator(db.pool, {
    jwt: jwtSessionOptions(config.jwt),
    apiKeys,
  });
  const authenticate = async (key: string): Promise<Principal | null> => authenticateToken(key);
  // console sign-in: cookie sessions (checked by the edge and the Connect interceptor), /v1/auth/*
  const consoleAuth = createConsoleAuth(db.pool, config.consoleAuth, () => url, log);
  const sessions = (r: SessionRequest) => consoleAuth.sessions.check(r);

  // The edge calls these services without the wire (no protobuf encoding per call or chunk).
  const inProcess = createInProcessTransport(
    [
      createServiceImplSpec<typeof RoutingService>(RoutingService, routingImpl),
      createServiceImplSpec<typeof LedgerService>(LedgerService, ledgerImpl),
      createServiceImplSpec<typeof AttestationService>(AttestationService, attestationImpl),
      createServiceImplSpec<typeof ReleaseService>(ReleaseService, releaseImpl),
      createServiceImplSpec<typeof KeyLimitsService>(KeyLimitsService, keyLimitsImpl),
    ],
    createRouterTransport(routes),
  );
  await authority.start();
  const ledger = createClient(LedgerService, inProcess);
  if (bootstrap && config.bootstrapCreditMicroUsd > 0) {
    await ledger.credit({
      accountId: bootstrap.accountId,
      amountMicroUsd: BigInt(config.bootstrapCreditMicroUsd),
      reason: "starting credit of the first admin account",
      idempotencyKey: `bootstrap:${bootstrap.accountId}`,
    });
  }
  const sealed = createSealedDeps(
    db.pool,
    createClient(AttestationService, inProcess),
    metrics,
    {
      keyRotationMs: config.encryptionKeyRotationMs,
      keyGraceMs: config.encryptionKeyGraceMs,
      atRestKey: config.keyEncryptionKey,
      // a key of its own, derived from the peer secret (sealed reserve on one replica, submit on another)
      ...(config.peers.enabled
        ? {
            reservationTokenKey: new Uint8Array(
              createHmac("sha256", config.peers.secret)
                .update("sealed reservation tokens")
                .digest(),
            ),
          }
        : {}),
    },
    log.child({ component: "sealed-body" }),
  );
  const edge = createEdgeHandler({
    routing: createLeanClient(RoutingService, inProcess),
    ledger,
    keyLimits: createClient(KeyLimitsService, inProcess),
    openHolds: holdSweeper.heartbeat,
    authenticate,
    sessions,
    onAuthenticated: (req) => unauthenticated.authenticated(req.socket),
    log: log.child({ component: "edge" }),
    options: {
      maxBodyBytes: config.maxBodyBytes,
      defaultMaxTokens: config.defaultMaxTokens,
      keepAliveIntervalMs: config.sseKeepAliveMs,
      prefixHashSecret: config.prefixHashSecret ?? new Uint8Array(randomBytes(32)),
    },
    sealed,
    account: {
      pool: db.pool,
      stripe: stripeSettings(config.money),
      payoutMinimumMicroUsd: config.money.payoutMinimumMicroUsd,
      payoutMaxAttempts: config.money.payoutMaxAttempts,
    },
    catalog: {
      listPublished: async () =>
        (await modelRegistry.listPublished()).map(({ manifest: m }) => ({
          id: m.id,
          displayName: m.displayName,
          description: m.description,
          family: m.family,
          quantization: m.quantization,
          contextLength: m.contextLength,
          sizeBytes: m.sizeBytes,
        })),
    },
  });
  const connect = connectNodeAdapter({
    routes,
    interceptors: [requirePeerOrElse(config.peers.secret, requireAdmin(authenticate, sessions))],
  });

  const inFlight = new Set<ServerResponse>();
  const probes = new HealthProbes();
  // Drain hooks run first on SIGTERM, after readiness turns 503 (presence leaves here).
  // The warm-pool lease is released first: another replica takes the controller over at once.
  const drainHooks: DrainHook[] = [{ name: "warm-pool lease", run: () => warmPool.close() }];
  if (presence) drainHooks.push({ name: "leave presence", run: () => presence.leavePresence() });
  const providerHttp = [
    consoleAuth.http,
    createDeviceHttp({
      device: createDeviceAuthorization(db.pool, {
        ...config.deviceCode,
        verificationUri: () => config.deviceCode.verificationUri || `${url}/device`,
      }),
      authenticate: withScope(authenticate, "account:write"),
      session: (req) => consoleAuth.account(req, "account:write"),
      // the operator's earnings (settlements credit provider:<account> for token-linked providers)
      balanceMicroUsd: async (accountId) =>
        (await ledger.getBalance({ accountId: `provider:${accountId}` })).balanceMicroUsd,
      onTokenMinted: () => void providerTokens.refresh().catch(() => undefined),
    }),
    createReleasesHttp({ pool: db.pool, authenticate, releaseToken: config.releaseToken }),
    createEnrollmentHttp({
      authenticate: withScope(authenticate, "account:write"),
      signer: await loadProfileSigner(
        config.attestation.profileSigningCertFile,
        config.attestation.profileSigningKeyFile,
      ),
      profile: {
        mdmServerUrl: config.attestation.mdmServerUrl,
        checkInUrl: `${config.attestation.mdmServerUrl || "http://localhost"}/v1/mdm/checkin`,
        topic: "com.apple.mgmt.External.darkbloom",
        acmeDirectoryUrl: `${config.attestation.mdmServerUrl || "http://localhost"}/acme/directory`,
        organization: "Darkbloom",
      },
      devices: mdmDevices,
      mdmIdentityRoots: await loadMdmIdentityRoots(config.attestation.mdmIdentityRootsFile),
      log: log.child({ component: "enrollment" }),
    }),
  ];
  const onHttpError = (err: unknown): void =>
    log.error("http route failed", { error: String(err) });
  const consoleStatic = createConsoleStatic(config.consoleDir, onHttpError);
  const h1 = (req: IncomingMessage, res: ServerResponse): void => {
    if (probes.handle(req, res)) return;
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const own = providerHttp.find((h) => h.matches(path));
    if (own) return own.handle(req, res, onHttpError);
    if (consoleStatic.matches(path)) return consoleStatic.handle(req, res);
    if (edge.matches(path)) {
      // Tracked so a shutdown lets consumer requests finish before provider sockets close.
      inFlight.add(res);
      res.once("close", () => inFlight.delete(res));
      if (isInferenceRequest(req.method, path)) activeStreams.track(res);
      return edge.handle(req, res);
    }
    connect(req, res);
  };
  const h2 = (req: Http2ServerRequest, res: Http2ServerResponse): void => {
    if (probes.handle(req, res)) return;
    connect(req, res);
  };
  const server = new DualProtocolServer(h1, h2, {
    limits: config.connections,
    metrics: connectionMetrics,
    errors: unexpected,
    unauthenticated,
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
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  warmPool.start();
  probes.ready();
  log.info("coordinator listening", { url });
  if (presence) {
    await presence.start(advertiseUrlOf(config, port));
    log.info("joined presence", {
      replicaId: presence.replicaId,
      advertiseUrl: presence.advertiseUrl,
    });
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    metricsUrl: metricsServer.url,
    bootstrapKey: bootstrap?.key,
    registry,
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
        providerTokens.close();
        await holdSweeper.close();
        authority.close();
        await drained;
        await presence?.close();
        peerLinks?.close();
        await metricsServer.close();
        sealed.close();
        await apiKeys.close();
        await db.close();
        log.info("coordinator stopped");
      })();
      return closing;
    },
  };
}
