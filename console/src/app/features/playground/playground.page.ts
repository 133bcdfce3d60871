import { HttpClient } from "@angular/common/http";
import { ChangeDetectionStrategy, Component, computed, inject, signal } from "@angular/core";
import { firstValueFrom } from "rxjs";
import { API_BASE } from "../../core/api-base";
import { apiErrorMessage } from "../../core/api-error";
import { PublicApi, priceOf, type ModelPrice } from "../../core/public-api";
import { SessionService } from "../../core/session";
import { preciseUsd } from "../../shared/format";
import { CHAT_FETCH, streamChat, type ChatEvent, type ChatMessage } from "./chat-stream";
import { SEALED_CHAT, type SealedEvent, type SealedEvidence } from "./sealed-chat";
import { TrustBadge } from "./trust-badge";

interface Turn extends ChatMessage {
  /** Still streaming. */
  live?: boolean;
  stopped?: boolean;
  error?: string;
  /** A sealed reply: who answered, as verified in this browser. */
  evidence?: SealedEvidence;
  sealed?: boolean;
}

/** Streaming chat against the network: model picker, stop, tokens and cost of the conversation. */
@Component({
  selector: "app-playground-page",
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [TrustBadge],
  template: `
    <h1>Chat playground</h1>
    <p class="hint">Requests are billed to your account like any API call, at the model's price.</p>
    <label for="chat-model">Model</label>
    <select
      id="chat-model"
      [disabled]="streaming()"
      (change)="model.set($any($event.target).value)"
    >
      @for (m of models(); track m) {
        <option [value]="m" [selected]="m === model()">{{ m }}</option>
      } @empty {
        <option value="">No model is served right now</option>
      }
    </select>
    @if (modelsError(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    <div class="sealed-switch">
      <input
        id="chat-sealed"
        type="checkbox"
        role="switch"
        [checked]="sealed()"
        [disabled]="streaming()"
        (change)="sealed.set($any($event.target).checked)"
        aria-describedby="chat-sealed-hint"
      />
      <label for="chat-sealed">Sealed</label>
      <p id="chat-sealed-hint" class="hint">
        Encrypted in this browser to the provider's attested key, after checking its signed evidence
        here: the coordinator never sees the prompt or the reply.
      </p>
    </div>

    <ol class="chat" aria-label="Conversation" aria-live="polite" data-testid="chat-log">
      @for (t of turns(); track $index) {
        <li [class]="t.role">
          <span class="who">{{ t.role === "user" ? "You" : model() }}</span>
          <p>
            {{ t.content }}
            @if (t.live) {
              <span aria-hidden="true">▍</span>
            }
          </p>
          @if (t.stopped) {
            <span class="badge">Stopped</span>
          }
          @if (t.evidence; as ev) {
            <app-trust-badge [evidence]="ev" />
          } @else if (t.sealed && t.live) {
            <span class="hint">Verifying the provider's evidence and sealing…</span>
          }
          @if (t.error) {
            <p class="error" role="alert">{{ t.error }}</p>
          }
        </li>
      }
    </ol>

    <p class="meter" data-testid="chat-meter" aria-live="off">
      {{ promptTokens() }} input · {{ completionTokens() }} output tokens ·
      {{ usd(costMicroUsd()) }}
      @if (estimated()) {
        <span class="hint">(estimate until the request settles)</span>
      }
    </p>

    <form (submit)="send($event, prompt)">
      <label for="chat-prompt">Message</label>
      <textarea
        #prompt
        id="chat-prompt"
        rows="3"
        required
        (keydown.control.enter)="send($event, prompt)"
        (keydown.meta.enter)="send($event, prompt)"
      ></textarea>
      <label for="chat-max">Max output tokens</label>
      <input
        id="chat-max"
        type="number"
        min="1"
        max="4096"
        [value]="maxTokens()"
        (change)="maxTokens.set(+$any($event.target).value || 256)"
      />
      <div class="actions">
        @if (streaming()) {
          <button type="button" (click)="stop()">Stop</button>
        } @else {
          <button type="submit" [disabled]="!model()">Send</button>
          <button
            type="button"
            class="secondary"
            (click)="clear()"
            [disabled]="turns().length === 0"
          >
            New chat
          </button>
        }
      </div>
    </form>
  `,
  styles: `
    .chat {
      list-style: none;
      padding: 0;
      margin: 1rem 0;
      display: grid;
      gap: 0.5rem;
    }
    .chat li {
      padding: 0.5rem 0.75rem;
      border-radius: 0.75rem;
      border: 1px solid var(--border);
    }
    .chat li.user {
      background: var(--card);
    }
    .chat p {
      margin: 0.25rem 0 0;
      white-space: pre-wrap;
      overflow-wrap: anywhere;
    }
    .who {
      font-weight: 600;
      font-size: 0.9rem;
      color: var(--muted);
    }
    textarea {
      font: inherit;
      width: 100%;
      padding: 0.5rem;
      border-radius: 0.5rem;
      border: 1px solid var(--muted);
      background: var(--bg);
      color: var(--fg);
    }
    .meter {
      font-variant-numeric: tabular-nums;
    }
    .sealed-switch {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0 0.5rem;
      margin-top: 0.75rem;
    }
    .sealed-switch input {
      width: 1.25rem;
      height: 1.25rem;
    }
    .sealed-switch label {
      margin: 0;
    }
    .sealed-switch .hint {
      flex-basis: 100%;
      margin: 0.25rem 0 0;
    }
  `,
})
export default class PlaygroundPage {
  private readonly http = inject(HttpClient);
  private readonly base = inject(API_BASE);
  private readonly session = inject(SessionService);
  private readonly doFetch = inject(CHAT_FETCH);
  private readonly sealedChat = inject(SEALED_CHAT);
  protected readonly sealed = signal(false);
  private readonly prices = signal<ModelPrice[]>([]);
  protected readonly usd = preciseUsd;
  protected readonly models = signal<string[]>([]);
  protected readonly model = signal("");
  protected readonly modelsError = signal<string | null>(null);
  protected readonly turns = signal<Turn[]>([]);
  protected readonly streaming = signal(false);
  protected readonly maxTokens = signal(256);
  protected readonly promptTokens = signal(0);
  protected readonly completionTokens = signal(0);
  /** Settled cost of finished replies, micro-USD. */
  private readonly settled = signal(0);
  /** The running reply's estimate (completion tokens so far × price), micro-USD. */
  private readonly running = signal(0);
  protected readonly estimated = computed(() => this.running() > 0);
  protected readonly costMicroUsd = computed(() => this.settled() + this.running());
  private controller: AbortController | null = null;

  constructor() {
    void this.loadModels();
    inject(PublicApi)
      .pricing()
      .subscribe({ next: (p) => this.prices.set(p.data), error: () => undefined });
  }

  private async loadModels(): Promise<void> {
    try {
      const r = await firstValueFrom(
        this.http.get<{ data: Array<{ id: string; available?: boolean }> }>(
          `${this.base}/v1/models`,
          { headers: this.session.authHeaders() },
        ),
      );
      const ids = r.data.filter((m) => m.available !== false).map((m) => m.id);
      this.models.set(ids);
      this.model.set(ids[0] ?? "");
    } catch (err) {
      this.modelsError.set(apiErrorMessage(err));
    }
  }

  protected async send(event: Event, prompt: HTMLTextAreaElement): Promise<void> {
    event.preventDefault();
    const text = prompt.value.trim();
    if (!text || this.streaming() || !this.model()) return;
    prompt.value = "";
    const history: ChatMessage[] = [
      ...this.turns()
        .filter((t) => !t.error && t.content)
        .map(({ role, content }) => ({ role, content })),
      { role: "user", content: text },
    ];
    const sealed = this.sealed();
    this.turns.set([...history, { role: "assistant", content: "", live: true, sealed }]);
    this.streaming.set(true);
    this.controller = new AbortController();
    const price = priceOf(this.prices(), this.model());
    let outTokens = 0;
    let settled = false;
    const baseCompletion = this.completionTokens();
    try {
      const signal = this.controller.signal;
      const events = sealed
        ? this.sealedEvents(history, price)
        : streamChat(
            this.doFetch,
            `${this.base}/v1/chat/completions`,
            this.session.authHeaders(),
            { model: this.model(), messages: history, max_tokens: this.maxTokens() },
            signal,
          );
      for await (const ev of events) {
        if (signal.aborted) throw new DOMException("stopped", "AbortError");
        if (ev.type === "served") {
          const evidence = ev.evidence;
          this.updateReply((t) => ({ ...t, evidence }));
        } else if (ev.type === "delta") {
          outTokens++;
          this.updateReply((t) => ({ ...t, content: t.content + ev.text }));
          this.completionTokens.set(baseCompletion + outTokens);
          this.running.set(
            Math.ceil((outTokens * (price?.output_micro_usd_per_million ?? 0)) / 1_000_000),
          );
        } else if (ev.type === "usage") {
          settled = true;
          this.promptTokens.update((n) => n + ev.promptTokens);
          this.completionTokens.set(baseCompletion + ev.completionTokens);
          this.running.set(0);
          const cost = ev.costUsd;
          if (cost !== null) this.settled.update((c) => c + Math.round(cost * 1_000_000));
        } else {
          this.updateReply((t) => ({ ...t, error: ev.message }));
        }
      }
    } catch (err) {
      if (this.controller.signal.aborted) this.updateReply((t) => ({ ...t, stopped: true }));
      else if (sealed) this.updateReply((t) => ({ ...t, error: sealedErrorMessage(err) }));
      else this.updateReply((t) => ({ ...t, error: "The stream broke off. Try again." }));
    } finally {
      // Stopped or failed before the usage chunk: keep the estimate (the server bills what was
      // delivered; the usage page has the exact figure).
      if (!settled) {
        this.settled.update((c) => c + this.running());
        this.running.set(0);
      }
      this.updateReply((t) => ({ ...t, live: false }));
      this.streaming.set(false);
      this.controller = null;
    }
  }

  /**
   * The SDK's sealed stream as the playground's events. The coordinator cannot put the settled
   * cost in a reply it cannot read: the cost is the usage at the model's price (what the ledger
   * charges; the usage page has the settled figure).
   */
  private async *sealedEvents(
    messages: ChatMessage[],
    price: ModelPrice | undefined,
  ): AsyncGenerator<ChatEvent | Extract<SealedEvent, { type: "served" }>> {
    const stream = this.sealedChat({
      baseUrl: this.base || globalThis.location.origin,
      headers: this.session.authHeaders(),
      model: this.model(),
      messages,
      maxTokens: this.maxTokens(),
    });
    for await (const ev of stream) {
      if (ev.type !== "usage") {
        yield ev;
        continue;
      }
      const cost =
        (ev.promptTokens * (price?.input_micro_usd_per_million ?? 0) +
          ev.completionTokens * (price?.output_micro_usd_per_million ?? 0)) /
        1_000_000;
      yield { ...ev, costUsd: price ? Math.ceil(cost) / 1_000_000 : null };
    }
  }

  protected stop(): void {
    this.controller?.abort();
  }

  protected clear(): void {
    this.turns.set([]);
  }

  private updateReply(change: (t: Turn) => Turn): void {
    this.turns.update((turns) => {
      const last = turns.at(-1);
      return last?.role === "assistant" ? [...turns.slice(0, -1), change(last)] : turns;
    });
  }
}

/** The SDK's refusal (DarkbloomError: no provider's evidence verified, …) in words. */
function sealedErrorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : "";
  return message ? `Sealed request refused: ${message}` : "The sealed stream broke off. Try again.";
}
