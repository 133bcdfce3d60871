import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { ActivatedRoute, convertToParamMap } from "@angular/router";
import SignInPage from "./sign-in.page";

function setup(query: Record<string, string>) {
  sessionStorage.clear();
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

const flushed = () => new Promise((r) => setTimeout(r, 0));

describe("SignInPage", () => {
  it("offers single sign-on with the invite and referral codes from the link, and says why a try failed", async () => {
    const http = setup({ error: "invite_required", invite: "inv-1", ref: "ref-2" });
    const fixture = TestBed.createComponent(SignInPage);
    http
      .expectOne("/v1/auth/config")
      .flush({ oidc: { enabled: true, invite_required: true }, api_key: true });
    http.expectOne("/v1/auth/session").flush({}, { status: 401, statusText: "Unauthorized" });
    await flushed();
    fixture.detectChanges();
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector("[role=alert]")?.textContent).toContain("need an invite code");
    expect(el.querySelector("label[for=invite]")?.textContent).toContain(
      "needed for a new account",
    );
    expect((el.querySelector("#invite") as HTMLInputElement).value).toBe("inv-1");
    expect((el.querySelector("#referral") as HTMLInputElement).value).toBe("ref-2");
    expect(el.querySelector("#api-key")).not.toBeNull();
    http.verify();
  });

  it("offers only the API key when the coordinator has no identity provider", async () => {
    const http = setup({});
    const fixture = TestBed.createComponent(SignInPage);
    http
      .expectOne("/v1/auth/config")
      .flush({ oidc: { enabled: false, invite_required: false }, api_key: true });
    http.expectOne("/v1/auth/session").flush({}, { status: 401, statusText: "Unauthorized" });
    await flushed();
    fixture.detectChanges();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector("#invite")).toBeNull();
    expect(el.querySelector("[role=alert]")).toBeNull();
    expect(el.querySelector("#api-key")).not.toBeNull();
  });

  it("shows who is signed in through the cookie session", async () => {
    const http = setup({});
    const fixture = TestBed.createComponent(SignInPage);
    http.expectOne("/v1/auth/config").flush({ oidc: { enabled: true, invite_required: false } });
    http.expectOne("/v1/auth/session").flush({
      account: { id: "a", name: "Carol", role: "provider" },
      csrf_token: "t",
    });
    await flushed();
    fixture.detectChanges();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector("[data-testid=signed-in]")?.textContent).toContain(
      "Signed in as Carol (provider operator)",
    );
  });
});
