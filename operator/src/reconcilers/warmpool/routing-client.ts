// Connect client of a coordinator's RoutingService, authenticated with its admin key.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { RoutingService } from "@darkbloom/proto";

export type RoutingClient = Client<typeof RoutingService>;

export function routingClient(baseUrl: string, adminKey: string): RoutingClient {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${adminKey}`);
    return next(req);
  };
  return createClient(
    RoutingService,
    createConnectTransport({
      baseUrl,
      httpVersion: "1.1",
      interceptors: [bearer],
      defaultTimeoutMs: 10_000,
    }),
  );
}
