// Connect clients of the coordinator's protobuf services (generated code in src/gen, from
// `npm run gen` at the repository root). The coordinator answers them only for admin keys, so
// the admin pages (fleet, warm pools, traffic) use them; public pages use the HTTP routes.
import { inject, InjectionToken } from "@angular/core";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { API_BASE } from "./api-base";
import { SessionService } from "./session";

/** Adds the signed-in account's credentials to every call. */
export function sessionInterceptor(session: SessionService): Interceptor {
  return (next) => async (req) => {
    for (const [name, value] of Object.entries(session.authHeaders())) req.header.set(name, value);
    return next(req);
  };
}

export const CONNECT_TRANSPORT = new InjectionToken<Transport>("CONNECT_TRANSPORT", {
  factory: () => {
    const base = inject(API_BASE);
    return createConnectTransport({
      baseUrl: base || globalThis.location.origin,
      interceptors: [sessionInterceptor(inject(SessionService))],
    });
  },
});

/** A client of `service` over the console's transport; call in an injection context. */
export function injectClient<T extends DescService>(service: T): Client<T> {
  return createClient(service, inject(CONNECT_TRANSPORT));
}
