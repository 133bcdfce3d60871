import { provideHttpClient } from "@angular/common/http";
import { TestBed } from "@angular/core/testing";
import { provideRouter } from "@angular/router";
import { App } from "./app";
import { routes } from "./app.routes";
import { SESSION_STORAGE_KEY } from "./core/session";

describe("App shell", () => {
  it("has a skip link to the main content and the main navigation", async () => {
    TestBed.configureTestingModule({
      imports: [App],
      providers: [provideRouter([]), provideHttpClient()],
    });
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector(".skip-link")?.getAttribute("href")).toBe("#main");
    expect(el.querySelector("main#main")).not.toBeNull();
    const links = [...el.querySelectorAll("nav a")].map((a) => a.textContent?.trim());
    expect(links).toEqual(["Network", "Models", "Link a Mac", "Sign in"]);
  });

  it("links the consumer pages once signed in; they are lazy routes behind the sign-in", async () => {
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({
        kind: "api-key",
        accountId: "a",
        name: "ada",
        role: "consumer",
        apiKey: "k",
      }),
    );
    TestBed.configureTestingModule({
      imports: [App],
      providers: [provideRouter([]), provideHttpClient()],
    });
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const links = [...el.querySelectorAll("nav a")].map((a) => a.textContent?.trim());
    expect(links).toEqual([
      "Network",
      "Models",
      "Link a Mac",
      "Playground",
      "Keys",
      "Usage",
      "Billing",
      "ada",
    ]);
    sessionStorage.clear();
    for (const path of ["playground", "keys", "usage", "billing"]) {
      const route = routes.find((r) => r.path === path);
      expect(route?.loadComponent).toBeTypeOf("function");
      expect(route?.canMatch?.length).toBe(1);
    }
  });
});
