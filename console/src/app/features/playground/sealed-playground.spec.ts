import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { SESSION_STORAGE_KEY } from "../../core/session";
import PlaygroundPage from "./playground.page";
import {
  SEALED_CHAT,
  sdkSealedChat,
  type SealedChatRequest,
  type SealedEvent,
} from "./sealed-chat";

const EVIDENCE = {
  provider_id: "prov-1",
  key_fingerprint: "kf-123",
  trust_level: "hardware",
  verified_trust_level: "software",
  identity_fingerprint: "id-456",
};

describe("PlaygroundPage, sealed", () => {
  let http: HttpTestingController;
  let requests: SealedChatRequest[];
  let events: SealedEvent[];
  let fail: Error | null;
  const flush = async (fixture: { whenStable(): Promise<unknown> }) => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    await fixture.whenStable();
  };

  beforeEach(() => {
    requests = [];
    events = [];
    fail = null;
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({ kind: "api-key", accountId: "a", name: "n", role: "consumer", apiKey: "k" }),
    );
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        {
          provide: SEALED_CHAT,
          useValue: async function* (request: SealedChatRequest) {
            requests.push(request);
            if (fail) throw fail;
            yield* events;
          },
        },
      ],
    });
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => {
    http.verify();
    sessionStorage.clear();
  });

  const start = async () => {
    const fixture = TestBed.createComponent(PlaygroundPage);
    http.expectOne("/v1/models").flush({ data: [{ id: "small", available: true }] });
    http.expectOne("/v1/pricing").flush({
      data: [
        {
          model: "*",
          input_micro_usd_per_million: 1_000_000,
          output_micro_usd_per_million: 2_000_000,
        },
      ],
    });
    await flush(fixture);
    const root = fixture.nativeElement as HTMLElement;
    const sealed = root.querySelector("#chat-sealed") as HTMLInputElement;
    sealed.checked = true;
    sealed.dispatchEvent(new Event("change"));
    (root.querySelector("#chat-prompt") as HTMLTextAreaElement).value = "secret question";
    (root.querySelector("form") as HTMLFormElement).dispatchEvent(
      new Event("submit", { cancelable: true }),
    );
    await flush(fixture);
    return { fixture, root };
  };

  it("sends through the SDK's sealed mode and shows the trust badge and the verified evidence", async () => {
    events = [
      { type: "served", evidence: EVIDENCE },
      { type: "delta", text: "Sealed " },
      { type: "delta", text: "answer" },
      { type: "usage", promptTokens: 10, completionTokens: 2 },
    ];
    const { root } = await start();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toEqual({
      baseUrl: globalThis.location.origin,
      headers: { authorization: "Bearer k" },
      model: "small",
      messages: [{ role: "user", content: "secret question" }],
      maxTokens: 256,
    });
    const log = root.querySelector('[data-testid="chat-log"]') as HTMLElement;
    expect(log.textContent).toContain("Sealed answer");
    // the badge shows what this browser verified, not what the coordinator claims
    expect(root.querySelector('[data-testid="trust-badge"]')?.textContent?.trim()).toBe(
      "Sealed · Software attested",
    );
    const evidence = root.querySelector('[data-testid="trust-evidence"]')?.textContent ?? "";
    expect(evidence).toContain("prov-1");
    expect(evidence).toContain("kf-123");
    expect(evidence).toContain("id-456");
    expect(evidence).toContain("Hardware attested"); // the claim, shown apart
    const meter = root.querySelector('[data-testid="chat-meter"]')?.textContent ?? "";
    // 10 × $1/M + 2 × $2/M = $0.000014, at the model's price
    expect(meter.replace(/\s+/g, " ")).toContain("10 input · 2 output tokens · $0.000014");
  });

  it("shows the SDK's refusal when no provider's evidence verifies (nothing is sent in clear)", async () => {
    fail = new Error("no candidate provider's evidence verified");
    const { root } = await start();
    expect(root.querySelector('[role="alert"]')?.textContent).toContain(
      "Sealed request refused: no candidate provider's evidence verified",
    );
    expect(root.querySelector('[data-testid="trust-badge"]')).toBeNull();
  });
});

describe("sdkSealedChat (the real SDK)", () => {
  it("asks with the session's own headers and refuses when no provider key verifies", async () => {
    const seen: Array<{ url: string; headers: Headers; credentials?: RequestCredentials }> = [];
    const fakeFetch = (async (url: string, init?: RequestInit) => {
      seen.push({ url, headers: new Headers(init?.headers), credentials: init?.credentials });
      return new Response(JSON.stringify({ object: "list", data: [] }), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    }) as typeof fetch;
    const chat = sdkSealedChat(fakeFetch);
    const run = async () => {
      for await (const ev of chat({
        baseUrl: "https://coord.example",
        headers: { "x-csrf-token": "csrf-1" },
        model: "small",
        messages: [{ role: "user", content: "hi" }],
        maxTokens: 8,
      }))
        void ev;
    };
    await expect(run()).rejects.toThrow();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe("https://coord.example/v1/sealed/provider-keys?model=small");
    expect(seen[0]?.headers.get("x-csrf-token")).toBe("csrf-1");
    expect(seen[0]?.headers.has("authorization")).toBe(false);
    expect(seen[0]?.credentials).toBe("same-origin");
  });
});
