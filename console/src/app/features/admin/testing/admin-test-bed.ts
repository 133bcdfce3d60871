// Unit-test setup of the admin pages: an admin signed in with an API key, HttpClient under the
// testing controller, and the Connect services answered in memory (createRouterTransport).
import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { provideRouter, type Routes } from "@angular/router";
import { createRouterTransport, type ConnectRouter } from "@connectrpc/connect";
import { CONNECT_TRANSPORT, sessionInterceptor } from "../../../core/connect-transport";
import { SESSION_STORAGE_KEY, SessionService } from "../../../core/session";

export function adminTestBed(
  services: (router: ConnectRouter) => void = () => undefined,
  routes: Routes = [],
): HttpTestingController {
  sessionStorage.setItem(
    SESSION_STORAGE_KEY,
    JSON.stringify({ kind: "api-key", accountId: "a", name: "ops", role: "admin", apiKey: "k" }),
  );
  TestBed.configureTestingModule({
    providers: [
      provideHttpClient(),
      provideHttpClientTesting(),
      provideRouter(routes),
      {
        provide: CONNECT_TRANSPORT,
        useFactory: () =>
          createRouterTransport(services, {
            transport: { interceptors: [sessionInterceptor(TestBed.inject(SessionService))] },
          }),
      },
    ],
  });
  return TestBed.inject(HttpTestingController);
}

/** Lets promises, signals and the DOM settle. */
export async function settle(fixture: { whenStable(): Promise<unknown>; detectChanges(): void }) {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    await fixture.whenStable();
  }
  fixture.detectChanges();
}

export const el = (fixture: { nativeElement: unknown }) => fixture.nativeElement as HTMLElement;

/** An element's text, its pieces (text nodes) joined by one space. */
export function text(node: Node): string {
  const parts: string[] = [];
  const walker = node.ownerDocument?.createTreeWalker(node, 4 /* NodeFilter.SHOW_TEXT */);
  for (let n = walker?.nextNode(); n; n = walker?.nextNode()) parts.push(n.textContent ?? "");
  return parts.join(" ").replace(/\s+/g, " ").trim();
}

export const cells = (root: HTMLElement, table: string): string[][] =>
  [...root.querySelectorAll(`[data-testid="${table}"] tbody tr`)].map((r) =>
    [...r.querySelectorAll("th, td")].map(text),
  );

export function type(root: HTMLElement, selector: string, value: string, event = "input"): void {
  const input = root.querySelector(selector) as HTMLInputElement | HTMLSelectElement | null;
  if (!input) throw new Error(`no ${selector}`);
  input.value = value;
  input.dispatchEvent(new Event(event));
}

export function submit(root: HTMLElement, selector = "form"): void {
  (root.querySelector(selector) as HTMLFormElement).dispatchEvent(
    new Event("submit", { cancelable: true }),
  );
}
