import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { Router, provideRouter } from "@angular/router";
import { RouterTestingHarness } from "@angular/router/testing";
import { createRouterTransport } from "@connectrpc/connect";
import { routes } from "../../app.routes";
import { CONNECT_TRANSPORT } from "../../core/connect-transport";
import { SESSION_STORAGE_KEY } from "../../core/session";
import { RoutingService } from "../../../gen/darkbloom/v1/routing_pb";

function signedInAs(role: string): void {
  sessionStorage.setItem(
    SESSION_STORAGE_KEY,
    JSON.stringify({ kind: "api-key", accountId: "a", name: "n", role, apiKey: "k" }),
  );
  TestBed.configureTestingModule({
    providers: [
      provideHttpClient(),
      provideHttpClientTesting(),
      provideRouter(routes),
      {
        provide: CONNECT_TRANSPORT,
        useValue: createRouterTransport(({ service }) =>
          service(RoutingService, { listProviders: () => ({ providers: [] }) }),
        ),
      },
    ],
  });
}

describe("admin routes", () => {
  afterEach(() => sessionStorage.clear());

  it("open the fleet for an admin, under the admin navigation", async () => {
    signedInAs("admin");
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl("/admin");
    await new Promise((r) => setTimeout(r, 0));
    harness.detectChanges();
    expect(TestBed.inject(Router).url).toBe("/admin/fleet");
    const root = harness.routeNativeElement as HTMLElement;
    expect(root.querySelector("h1")?.textContent).toBe("Fleet");
    const links = [...root.querySelectorAll('nav[aria-label="Admin"] a')].map((a) => a.textContent);
    expect(links).toEqual([
      "Fleet",
      "Warm pools",
      "Traffic",
      "Ledger",
      "Prices",
      "Releases",
      "Accounts",
      "Invites",
    ]);
  });

  it("send a consumer or provider operator back to the start page", async () => {
    signedInAs("consumer");
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl("/admin/warm-pools");
    expect(TestBed.inject(Router).url).toBe("/");
    TestBed.inject(HttpTestingController).match(() => true);
  });
});
