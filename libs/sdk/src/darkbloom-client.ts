import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ServedBy,
} from "./chat-types.js";
import { CompatSealer } from "./compat-sealer.js";
import { DarkbloomError } from "./sdk-error.js";
import { sealedExchange, type SealedEvent, type Transport } from "./sealed-exchange.js";
import { verificationPolicy, type SealedModeOptions } from "./sealed-options.js";

export interface DarkbloomClientOptions extends SealedModeOptions {
  /** The coordinator's API base, e.g. `https://coordinator.example/v1`. */
  baseURL: string;
  apiKey: string;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Clock for evidence age checks. Default: Date.now. */
  now?: () => number;
}

type StreamParams = ChatCompletionCreateParams & { stream: true };

/**
 * A consumer client whose chat completions are sealed end to end: only the serving provider can
 * read the prompt, and only this client can read the completion. The coordinator routes on
 * model, token estimates and the stream flag alone.
 */
export class DarkbloomClient {
  private readonly transport: Transport;
  /** Compat-mode sealed bodies: any endpoint, sealed to the coordinator's published key. */
  readonly compat: CompatSealer;

  readonly chat = {
    completions: {
      create: ((params: ChatCompletionCreateParams) =>
        params.stream ? Promise.resolve(this.stream(params)) : this.complete(params)) as {
        (params: StreamParams): Promise<AsyncIterable<ChatCompletionChunk>>;
        (params: ChatCompletionCreateParams & { stream?: false }): Promise<ChatCompletion>;
      },
    },
  };

  constructor(options: DarkbloomClientOptions) {
    this.transport = {
      baseURL: options.baseURL.replace(/\/+$/, ""),
      apiKey: options.apiKey,
      fetch: options.fetch ?? globalThis.fetch,
      verification: verificationPolicy(options),
      now: options.now ?? Date.now,
    };
    this.compat = new CompatSealer(this.transport);
  }

  private async complete(params: ChatCompletionCreateParams): Promise<ChatCompletion> {
    let text = "";
    let servedBy: ServedBy | undefined;
    let id = "";
    for await (const ev of sealedExchange(this.transport, params)) {
      if (ev.type === "started") {
        servedBy = ev.servedBy;
        id = ev.requestId;
      } else if (ev.type === "delta") text += ev.text;
      else {
        return {
          id,
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model: params.model,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: text },
              finish_reason: ev.finishReason,
            },
          ],
          usage: ev.usage,
          served_by: servedBy ?? unknownServer(),
        };
      }
    }
    throw new DarkbloomError(502, "stream_truncated", "the stream ended before the completion");
  }

  private async *stream(params: ChatCompletionCreateParams): AsyncGenerator<ChatCompletionChunk> {
    const created = Math.floor(Date.now() / 1000);
    let servedBy = unknownServer();
    let id = "";
    const chunk = (ev: Exclude<SealedEvent, { type: "started" }>): ChatCompletionChunk => ({
      id,
      object: "chat.completion.chunk",
      created,
      model: params.model,
      choices:
        ev.type === "delta"
          ? [{ index: 0, delta: { content: ev.text }, finish_reason: null }]
          : [{ index: 0, delta: {}, finish_reason: ev.finishReason }],
      ...(ev.type === "complete" ? { usage: ev.usage } : {}),
      served_by: servedBy,
    });
    for await (const ev of sealedExchange(this.transport, params)) {
      if (ev.type === "started") {
        servedBy = ev.servedBy;
        id = ev.requestId;
      } else yield chunk(ev);
    }
  }
}

const unknownServer = (): ServedBy => ({
  provider_id: "",
  key_fingerprint: "",
  trust_level: "",
  verified_trust_level: "",
  identity_fingerprint: "",
});
