import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed, type ComponentFixture } from "@angular/core/testing";
import { ActivatedRoute, convertToParamMap } from "@angular/router";
import { SESSION_STORAGE_KEY } from "../../core/session";
import DevicePage from "./device.page";

function setup(query: Record<string, string>, signedIn: boolean) {
  sessionStorage.clear();
  if (signedIn)
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({
        kind: "api-key",
        accountId: "a",
        name: "ops",
        role: "provider",
        apiKey: "k",
      }),
    );
  TestBed.configureTestingModule({
    providers: [
      provideHttpClient(),
      provideHttpClientTesting(),
      {
        provide: ActivatedRoute,
        useValue: { snapshot: { queryParamMap: convertToParamMap(query) } },
      },
    ],
  });
  return TestBed.inject(HttpTestingController);
}

const el = (f: ComponentFixture<unknown>) => f.nativeElement as HTMLElement;
const flushed = () => new Promise((r) => setTimeout(r, 0));

describe("DevicePage", () => {
  afterEach(() => sessionStorage.clear());

  it("asks a signed-out visitor to sign in with an API key first", async () => {
    const http = setup({ user_code: "BCDF-GHJK" }, false);
    const f = TestBed.createComponent(DevicePage);
    await f.whenStable();
    expect(el(f).querySelector("#api-key")).not.toBeNull();
    expect(el(f).querySelector("#user-code")).toBeNull();
    http.verify();
  });

  it("prefills the code from the link and approves it", async () => {
    const http = setup({ user_code: "bcdf-ghjk" }, true);
    const f = TestBed.createComponent(DevicePage);
    await f.whenStable();
    const input = el(f).querySelector<HTMLInputElement>("#user-code");
    expect(input?.value).toBe("BCDF-GHJK");
    el(f).querySelector<HTMLButtonElement>('button[type="submit"]')?.click();
    const req = http.expectOne("/v1/device/approve");
    expect(req.request.body).toEqual({ user_code: "BCDF-GHJK", action: "approve" });
    req.flush({ user_code: "BCDF-GHJK", status: "approved" });
    await flushed();
    await f.whenStable();
    expect(el(f).querySelector('[data-testid="device-done"]')?.textContent).toContain("Mac linked");
    http.verify();
  });

  it("accepts ?code= too, and explains an expired code", async () => {
    const http = setup({ code: "BCDFGHJK" }, true);
    const f = TestBed.createComponent(DevicePage);
    await f.whenStable();
    el(f).querySelector<HTMLButtonElement>('button[type="submit"]')?.click();
    http
      .expectOne("/v1/device/approve")
      .flush({ error: "expired_token" }, { status: 410, statusText: "Gone" });
    await flushed();
    await f.whenStable();
    expect(el(f).querySelector('[data-testid="device-error"]')?.textContent).toContain("expired");
    http.verify();
  });

  it("checks the code's shape before asking the server", async () => {
    const http = setup({}, true);
    const f = TestBed.createComponent(DevicePage);
    await f.whenStable();
    const input = el(f).querySelector<HTMLInputElement>("#user-code");
    if (!input) throw new Error("no code input");
    input.value = "AEIO-1234";
    input.dispatchEvent(new Event("input"));
    el(f).querySelector<HTMLButtonElement>('button[type="submit"]')?.click();
    await f.whenStable();
    expect(el(f).querySelector('[data-testid="device-error"]')?.textContent).toContain("8-letter");
    http.expectNone("/v1/device/approve");
    http.verify();
  });
});
