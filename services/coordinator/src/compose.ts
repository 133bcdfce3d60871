import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { createClient, createRouterTransport, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { authMigrations, authenticateApiKey, ensureBootstrapKey } from "@darkbloom/auth";
import { createAttestationService } from "@darkbloom/attestation";
import { createEdgeHandler, type Principal } from "@darkbloom/edge";
import { createLedgerService, ledgerMigrations } from "@darkbloom/ledger";
import {
  AttestationService,
  LedgerService,
  ReleaseService,
  RoutingService,
} from "@darkbloom/proto";
import { RELEASES_MIGRATIONS, createReleaseService } from "@darkbloom/releases";
import {
  ProviderGateway,
  ProviderRegistry,
  Reservations,
  createRoutingService,
} from "@darkbloom/routing";
import { createMetricsRegistry, type Logger } from "@darkbloom/telemetry";
import { requireAdmin } from "./admin-interceptor.js";
import { saveBootstrapKey } from "./bootstrap-key-file.js";
import type { CoordinatorConfig } from "./config.js";
import { openDatabase } from "./database.js";
import { DualProtocolServer } from "./dual-protocol-server.js";
import { registryDirectory } from "./registry-directory.js";

export const PROVIDER_WS_PATH = "/v1/provider/connect";

export interface Coordinator {
  url: string;
  port: number;
  /** The admin key created on this start (first start only). */
  bootstrapKey: string | undefined;
  registry: ProviderRegistry;
  close(): Promise<void>;
}

/** The composition root: the only place services are wired together. */
export async function startCoordinator(
  config: CoordinatorConfig,
  log: Logger,
): Promise<Coordinator> {
  const db = await openDatabase(
    config.databaseUrl,
    config.dataDir,
    [authMigrations, ledgerMigrations, RELEASES_MIGRATIONS],
    log,
  );
  const bootstrap = await ensureBootstrapKey(db.pool);
  if (bootstrap && db.embedded) await saveBootstrapKey(config.dataDir, bootstrap.key);

  const metrics = createMetricsRegistry({ defaultMetrics: true });
  const registry = new ProviderRegistry();
  const reservations = new Reservations(config.reservationTtlMs);
  const gateway = new ProviderGateway(
    registry,
    {
      path: PROVIDER_WS_PATH,
      registerTimeoutMs: config.registerTimeoutMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      livenessTimeoutMs: config.livenessTimeoutMs,
      writeTimeoutMs: config.writeTimeoutMs,
      maxFrameBytes: config.maxFrameBytes,
    },
    metrics,
    log.child({ component: "gateway" }),
    (providerId) => reservations.dropProvider(providerId),
  );

  const routingImpl = createRoutingService({ registry, reservations });
  const ledgerImpl = createLedgerService(db.pool);
  const routes = (router: ConnectRouter): void => {
    router.service(RoutingService, routingImpl);
    router.service(AttestationService, createAttestationService(registryDirectory(registry)));
    router.service(ReleaseService, createReleaseService(db.pool));
    router.service(LedgerService, ledgerImpl);
  };
  const authenticate = async (key: string): Promise<Principal | null> =>
    authenticateApiKey(db.pool, key);

  const inProcess = createRouterTransport(routes);
  const ledger = createClient(LedgerService, inProcess);
  if (bootstrap && config.bootstrapCreditMicroUsd > 0) {
    await ledger.credit({
      accountId: bootstrap.accountId,
      amountMicroUsd: BigInt(config.bootstrapCreditMicroUsd),
      reason: "starting credit of the first admin account",
      idempotencyKey: `bootstrap:${bootstrap.accountId}`,
    });
  }
  const edge = createEdgeHandler({
    routing: createClient(RoutingService, inProcess),
    ledger,
    authenticate,
    log: log.child({ component: "edge" }),
    options: { maxBodyBytes: config.maxBodyBytes, defaultMaxTokens: config.defaultMaxTokens },
  });
  const connect = connectNodeAdapter({ routes, interceptors: [requireAdmin(authenticate)] });

  const serveMetrics = (res: ServerResponse | Http2ServerResponse): void => {
    metrics
      .metrics()
      .then((text) => {
        res.setHeader("content-type", metrics.contentType);
        res.end(text);
      })
      .catch((err: unknown) => {
        log.error("metrics failed", { error: String(err) });
        res.statusCode = 500;
        res.end();
      });
  };
  const h1 = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/metrics") return serveMetrics(res);
    if (edge.matches(path)) return edge.handle(req, res);
    connect(req, res);
  };
  const h2 = (req: Http2ServerRequest, res: Http2ServerResponse): void => {
    if (req.url === "/metrics") return serveMetrics(res);
    connect(req, res);
  };
  const server = new DualProtocolServer(h1, h2);
  server.http1.on("upgrade", (req, socket, head: Buffer) => {
    if (!gateway.handleUpgrade(req, socket, head)) socket.destroy();
  });

  const port = await server.listen(config.port, config.host);
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  log.info("coordinator listening", { url });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    bootstrapKey: bootstrap?.key,
    registry,
    close() {
      closing ??= (async () => {
        gateway.close();
        await server.close(config.shutdownGraceMs);
        await db.close();
        log.info("coordinator stopped");
      })();
      return closing;
    },
  };
}
