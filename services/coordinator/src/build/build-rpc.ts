// The services' Connect surface: one router for the wire (admin and peer callers, behind
// `guard`), and in-process clients the edge calls without the wire.
import {
  createClient,
  createRouterTransport,
  createServiceImplSpec,
  type ConnectRouter,
  type Interceptor,
  type ServiceImpl,
} from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  AttestationService,
  KeyLimitsService,
  LedgerService,
  ReleaseService,
  RoutingService,
  TrafficService,
} from "@darkbloom/proto";
import { createInProcessTransport } from "../in-process-transport.js";
import { createLeanClient } from "../lean-client.js";

export interface ServiceImpls {
  readonly routing: Partial<ServiceImpl<typeof RoutingService>>;
  readonly attestation: Partial<ServiceImpl<typeof AttestationService>>;
  readonly release: Partial<ServiceImpl<typeof ReleaseService>>;
  readonly ledger: Partial<ServiceImpl<typeof LedgerService>>;
  readonly keyLimits: Partial<ServiceImpl<typeof KeyLimitsService>>;
  readonly traffic: Partial<ServiceImpl<typeof TrafficService>>;
}

export function buildRpc(impls: ServiceImpls, guard: Interceptor) {
  const routes = (router: ConnectRouter): void => {
    router.service(RoutingService, impls.routing);
    router.service(AttestationService, impls.attestation);
    router.service(ReleaseService, impls.release);
    router.service(LedgerService, impls.ledger);
    router.service(KeyLimitsService, impls.keyLimits);
    router.service(TrafficService, impls.traffic);
  };
  // The edge calls these services without the wire (no protobuf encoding per call or chunk).
  const inProcess = createInProcessTransport(
    [
      createServiceImplSpec<typeof RoutingService>(RoutingService, impls.routing),
      createServiceImplSpec<typeof LedgerService>(LedgerService, impls.ledger),
      createServiceImplSpec<typeof AttestationService>(AttestationService, impls.attestation),
      createServiceImplSpec<typeof ReleaseService>(ReleaseService, impls.release),
      createServiceImplSpec<typeof KeyLimitsService>(KeyLimitsService, impls.keyLimits),
    ],
    createRouterTransport(routes),
  );
  return {
    clients: {
      // the request's hot path (reserve, the relay, hold, settlements): the transport's own
      // stream and promises, without Connect's client wrappers
      routing: createLeanClient(RoutingService, inProcess),
      ledger: createLeanClient(LedgerService, inProcess),
      keyLimits: createLeanClient(KeyLimitsService, inProcess),
      attestation: createClient(AttestationService, inProcess),
    },
    connect: connectNodeAdapter({ routes, interceptors: [guard] }),
  };
}
