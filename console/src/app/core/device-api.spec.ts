import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { DeviceApi, normalizeUserCode } from "./device-api";
import { SESSION_STORAGE_KEY } from "./session";

describe("DeviceApi", () => {
  let http: HttpTestingController;
  let api: DeviceApi;

  beforeEach(() => {
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({
        kind: "api-key",
        accountId: "a",
        name: "n",
        role: "provider",
        apiKey: "k1",
      }),
    );
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
    api = TestBed.inject(DeviceApi);
  });
  afterEach(() => {
    http.verify();
    sessionStorage.clear();
  });

  it("normalizes typed codes like the server", () => {
    expect(normalizeUserCode(" bcdf ghjk ")).toBe("BCDF-GHJK");
    expect(normalizeUserCode("bcdf-ghjk")).toBe("BCDF-GHJK");
    expect(normalizeUserCode("abc")).toBe("ABC");
  });

  it("approves with the signed-in key and the normalized code", async () => {
    const outcome = api.decide("bcdf ghjk", "approve");
    const req = http.expectOne("/v1/device/approve");
    expect(req.request.method).toBe("POST");
    expect(req.request.headers.get("authorization")).toBe("Bearer k1");
    expect(req.request.body).toEqual({ user_code: "BCDF-GHJK", action: "approve" });
    req.flush({ user_code: "BCDF-GHJK", status: "approved" });
    expect(await outcome).toEqual({ ok: true, status: "approved", userCode: "BCDF-GHJK" });
  });

  for (const [status, reason] of [
    [404, "unknown"],
    [410, "expired"],
    [409, "already_decided"],
    [401, "unauthorized"],
    [500, "other"],
  ] as const) {
    it(`maps HTTP ${status} to "${reason}" with the server's message`, async () => {
      const outcome = api.decide("BCDF-GHJK", "approve");
      http
        .expectOne("/v1/device/approve")
        .flush(
          { error: "invalid_grant", error_description: `server says ${status}` },
          { status, statusText: "x" },
        );
      expect(await outcome).toEqual({ ok: false, reason, message: `server says ${status}` });
    });
  }
});
