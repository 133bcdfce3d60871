import { provideHttpClient } from "@angular/common/http";
import { HttpTestingController, provideHttpClientTesting } from "@angular/common/http/testing";
import { TestBed } from "@angular/core/testing";
import { SESSION_STORAGE_KEY } from "../../core/session";
import { CHAT_FETCH } from "./chat-stream";
import PlaygroundPage from "./playground.page";

const sse = (chunks: unknown[]): string =>
  chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("") +
  ": x-timing q=1\n\ndata: [DONE]\n\n";

interface Call {
  url: string;
  init: RequestInit;
  push(text: string): void;
  end(): void;
}

describe("PlaygroundPage", () => {
  let http: HttpTestingController;
  let calls: Call[];
  const flush = async (fixture: { whenStable(): Promise<unknown> }) => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    await fixture.whenStable();
  };

  beforeEach(() => {
    calls = [];
    sessionStorage.setItem(
      SESSION_STORAGE_KEY,
      JSON.stringify({ kind: "api-key", accountId: "a", name: "n", role: "consumer", apiKey: "k" }),
    );
    // A fetch whose response body the test writes piece by piece; abort errors it, as fetch does.
    const fakeFetch = (url: string, init: RequestInit): Promise<Response> => {
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
      init.signal?.addEventListener("abort", () =>
        controller.error(new DOMException("aborted", "AbortError")),
      );
      calls.push({
        url,
        init,
        push: (text) => controller.enqueue(new TextEncoder().encode(text)),
        end: () => controller.close(),
      });
      return Promise.resolve(
        new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } }),
      );
    };
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: CHAT_FETCH, useValue: fakeFetch },
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
    http.expectOne("/v1/models").flush({
      object: "list",
      data: [
        { id: "small", available: true },
        { id: "offline", available: false },
        { id: "big", available: true },
      ],
    });
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
    const say = async (text: string) => {
      (root.querySelector("#chat-prompt") as HTMLTextAreaElement).value = text;
      (root.querySelector("form") as HTMLFormElement).dispatchEvent(
        new Event("submit", { cancelable: true }),
      );
      await flush(fixture);
    };
    return { fixture, root, say };
  };

  it("picks among served models and streams a reply with its tokens and settled cost", async () => {
    const { fixture, root, say } = await start();
    const options = [...root.querySelectorAll("#chat-model option")].map((o) =>
      o.textContent?.trim(),
    );
    expect(options).toEqual(["small", "big"]);
    const select = root.querySelector("#chat-model") as HTMLSelectElement;
    select.value = "big";
    select.dispatchEvent(new Event("change"));
    await say("hello");
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.url).toBe("/v1/chat/completions");
    expect((call.init.headers as Record<string, string>)["authorization"]).toBe("Bearer k");
    expect(JSON.parse(String(call.init.body))).toEqual({
      model: "big",
      messages: [{ role: "user", content: "hello" }],
      max_tokens: 256,
      stream: true,
      stream_options: { include_usage: true },
    });
    call.push(
      `data: ${JSON.stringify({ choices: [{ delta: { role: "assistant", content: "Hi" } }] })}\n\n`,
    );
    await flush(fixture);
    expect(root.querySelector('[data-testid="chat-log"]')?.textContent).toContain("Hi");
    expect(root.querySelector("button")?.textContent?.trim()).toBe("Stop");
    call.push(
      sse([
        { choices: [{ delta: { content: " there" } }] },
        {
          choices: [],
          usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9, cost: 0.0042 },
        },
      ]),
    );
    call.end();
    await flush(fixture);
    const log = root.querySelector('[data-testid="chat-log"]')?.textContent ?? "";
    expect(log).toContain("Hi there");
    const meter = root
      .querySelector('[data-testid="chat-meter"]')
      ?.textContent?.replace(/\s+/g, " ");
    expect(meter).toContain("7 input · 2 output tokens · $0.0042");
    expect(meter).not.toContain("estimate");
    expect([...root.querySelectorAll("button")].map((b) => b.textContent?.trim())).toContain(
      "Send",
    );
  });

  it("stops a reply mid-stream and keeps what arrived", async () => {
    const { fixture, root, say } = await start();
    await say("tell me a long story");
    calls[0]!.push(`data: ${JSON.stringify({ choices: [{ delta: { content: "Once" } }] })}\n\n`);
    await flush(fixture);
    const stop = [...root.querySelectorAll("button")].find((b) => b.textContent?.trim() === "Stop");
    stop?.click();
    await flush(fixture);
    const log = root.querySelector('[data-testid="chat-log"]')?.textContent ?? "";
    expect(log).toContain("Once");
    expect(log).toContain("Stopped");
    expect(calls[0]!.init.signal?.aborted).toBe(true);
    // the next message carries the history, the partial reply included
    await say("go on");
    expect(JSON.parse(String(calls[1]!.init.body)).messages).toEqual([
      { role: "user", content: "tell me a long story" },
      { role: "assistant", content: "Once" },
      { role: "user", content: "go on" },
    ]);
    calls[1]!.end();
    await flush(fixture);
  });

  it("shows the server's error for a refused request", async () => {
    const { fixture, root } = await start();
    // a refusal arrives as a final error event of the stream
    (root.querySelector("#chat-prompt") as HTMLTextAreaElement).value = "hi";
    (root.querySelector("form") as HTMLFormElement).dispatchEvent(
      new Event("submit", { cancelable: true }),
    );
    await flush(fixture);
    calls[0]!.push(
      `data: ${JSON.stringify({ error: { message: "Your balance cannot cover this request" } })}\n\n`,
    );
    calls[0]!.end();
    await flush(fixture);
    expect(root.querySelector('[role="alert"]')?.textContent).toContain("balance cannot cover");
  });
});
