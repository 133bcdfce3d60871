// Sealed mode in the browser: the SDK's DarkbloomClient (libs/sdk, loaded on first use as its own
// chunk) verifies each candidate provider's key from the provider's own signed evidence, seals
// the request in this tab to the chosen provider's attested key and opens the sealed reply; the
// coordinator only sees ciphertext. The session's credentials ride on the SDK's fetch.
import { InjectionToken } from "@angular/core";
import type { ChatMessage } from "./chat-stream";

/** Who answered, as the SDK verified it (ServedBy of @darkbloom/sdk). */
export interface SealedEvidence {
  provider_id: string;
  key_fingerprint: string;
  /** The level the coordinator claims. */
  trust_level: string;
  /** The level verified here, in the browser, from the provider's signed evidence. */
  verified_trust_level: string;
  identity_fingerprint: string;
}

export type SealedEvent =
  | { type: "served"; evidence: SealedEvidence }
  | { type: "delta"; text: string }
  | { type: "usage"; promptTokens: number; completionTokens: number };

export interface SealedChatRequest {
  baseUrl: string;
  /** The session's headers (Bearer key, or the cookie session's CSRF token). */
  headers: Record<string, string>;
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
}

export type SealedChat = (request: SealedChatRequest) => AsyncIterable<SealedEvent>;

/** Sealed streaming through the SDK (replaced in unit tests). */
export const SEALED_CHAT = new InjectionToken<SealedChat>("SEALED_CHAT", {
  factory: () => sdkSealedChat(globalThis.fetch.bind(globalThis)),
});

/** One identity pin store per tab: a provider id may not change its identity key under us. */
let pins: unknown;

export function sdkSealedChat(doFetch: typeof fetch): SealedChat {
  return async function* (request) {
    const sdk = await import("@darkbloom/sdk");
    pins ??= new sdk.MemoryIdentityPins();
    const client = new sdk.DarkbloomClient({
      baseURL: `${request.baseUrl}/v1`,
      apiKey: "",
      identityPins: pins as InstanceType<typeof sdk.MemoryIdentityPins>,
      // the SDK sends `authorization: Bearer <apiKey>`: swap in the session's own headers
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.delete("authorization");
        for (const [name, value] of Object.entries(request.headers)) headers.set(name, value);
        return doFetch(input, { ...init, headers, credentials: "same-origin" });
      },
    });
    const stream = await client.chat.completions.create({
      model: request.model,
      messages: request.messages,
      max_tokens: request.maxTokens,
      stream: true,
    });
    let served = false;
    for await (const chunk of stream) {
      if (!served && chunk.served_by.provider_id !== "") {
        served = true;
        yield { type: "served", evidence: { ...chunk.served_by } };
      }
      const text = chunk.choices[0]?.delta.content;
      if (text) yield { type: "delta", text };
      if (chunk.usage)
        yield {
          type: "usage",
          promptTokens: chunk.usage.prompt_tokens,
          completionTokens: chunk.usage.completion_tokens,
        };
    }
  };
}
