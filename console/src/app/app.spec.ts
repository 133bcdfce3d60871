import { provideHttpClient } from "@angular/common/http";
import { TestBed } from "@angular/core/testing";
import { provideRouter } from "@angular/router";
import { App } from "./app";

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
});
