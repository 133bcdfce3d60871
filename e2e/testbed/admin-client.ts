import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { LedgerService, RoutingService } from "@darkbloom/proto";

/** The admin Connect API of a coordinator, over HTTP/1.1 with the admin API key. */
export function ledgerAdminClient(
  coordinatorUrl: string,
  adminKey: string,
): Client<typeof LedgerService> {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${adminKey}`);
    return next(req);
  };
  return createClient(
    LedgerService,
    createConnectTransport({ baseUrl: coordinatorUrl, httpVersion: "1.1", interceptors: [bearer] }),
  );
}

/** The routing admin Connect API of a coordinator (warm-pool policy, providers). */
export function routingAdminClient(
  coordinatorUrl: string,
  adminKey: string,
): Client<typeof RoutingService> {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${adminKey}`);
    return next(req);
  };
  return createClient(
    RoutingService,
    createConnectTransport({ baseUrl: coordinatorUrl, httpVersion: "1.1", interceptors: [bearer] }),
  );
}
