import { provideHttpClient } from "@angular/common/http";
import { TestBed } from "@angular/core/testing";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { RoutingService } from "../../gen/darkbloom/v1/routing_pb";
import { sessionInterceptor } from "./connect-transport";
import { SESSION_STORAGE_KEY, SessionService } from "./session";

describe("Connect clients", () => {
  afterEach(() => sessionStorage.clear());

  it("carry the signed-in account's key on every call of a generated service client", async () => {
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({ kind: "api-key", accountId: "a", name: "n", role: "admin", apiKey: "k9" }),
    );
    TestBed.configureTestingModule({ providers: [provideHttpClient()] });
    const session = TestBed.inject(SessionService);
    const seen: Array<string | null> = [];
    const transport = createRouterTransport(
      ({ service }) => {
        service(RoutingService, {
          listModels: (_req, ctx) => {
            seen.push(ctx.requestHeader.get("authorization"));
            return { models: [{ id: "m", providers: 2 }] };
          },
        });
      },
      { transport: { interceptors: [sessionInterceptor(session)] } },
    );
    const client = createClient(RoutingService, transport);
    const r = await client.listModels({});
    expect(r.models[0]?.providers).toBe(2);
    session.signOut();
    await client.listModels({});
    expect(seen).toEqual(["Bearer k9", null]);
  });
});
