import {
  boxBeforenm,
  fromBase64,
  generateKeyPair,
  keyFromBase64,
  openWithSharedKey,
  sealWithSharedKey,
  toBase64,
} from "@darkbloom/crypto";
import { DarkbloomError } from "./sdk-error.js";
import type { Transport } from "./sealed-exchange.js";
import { sseEvents } from "./sse-events.js";

export const SEALED_CONTENT_TYPE = "application/darkbloom-sealed+json";

/** A response to a sealed request, opened: JSON body or the original SSE event texts. */
export interface OpenedResponse {
  status: number;
  headers: Headers;
  /** The original JSON body (non-streaming responses, including error bodies). */
  json(): Promise<unknown>;
  /** The original events, e.g. `data: {...}` (streaming responses). */
  events(): AsyncGenerator<string>;
}

/**
 * Compat mode with a sealed body: the request JSON is sealed to the coordinator's published key
 * (the coordinator reads it, then re-seals it to the provider), and the response comes back
 * sealed to this request's ephemeral key. Protects the body from anything between the client and
 * the coordinator process (TLS terminators, proxies, logs).
 */
export class CompatSealer {
  constructor(private readonly t: Transport) {}

  async key(): Promise<{ kid: string; publicKey: Uint8Array }> {
    const res = await this.t.fetch(`${this.t.baseURL}/encryption-key`);
    if (!res.ok) throw new DarkbloomError(res.status, "encryption_key_unavailable", "no key");
    const body = (await res.json()) as { kid: string; public_key: string };
    return { kid: body.kid, publicKey: keyFromBase64(body.public_key) };
  }

  /** The sealed envelope for `json` plus the shared key that opens the response. */
  async seal(json: unknown): Promise<{ envelope: string; sharedKey: Uint8Array }> {
    const { kid, publicKey } = await this.key();
    const ephemeral = generateKeyPair();
    const sharedKey = boxBeforenm(publicKey, ephemeral.secretKey);
    ephemeral.secretKey.fill(0);
    const plaintext = new TextEncoder().encode(JSON.stringify(json));
    const envelope = JSON.stringify({
      kid,
      ephemeral_public_key: toBase64(ephemeral.publicKey),
      ciphertext: toBase64(sealWithSharedKey(sharedKey, plaintext)),
    });
    return { envelope, sharedKey };
  }

  /** POSTs `json` sealed to `path` (relative to the base URL) and opens what comes back. */
  async post(path: string, json: unknown): Promise<OpenedResponse> {
    const { envelope, sharedKey } = await this.seal(json);
    const res = await this.t.fetch(`${this.t.baseURL}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.t.apiKey}`, "content-type": SEALED_CONTENT_TYPE },
      body: envelope,
    });
    return openResponse(res, sharedKey);
  }
}

/** Opens a response from the coordinator to a sealed request (`x-darkbloom-sealed`: json | sse). */
export function openResponse(res: Response, sharedKey: Uint8Array): OpenedResponse {
  const open = (b64: string): string =>
    new TextDecoder().decode(openWithSharedKey(sharedKey, fromBase64(b64)));
  return {
    status: res.status,
    headers: res.headers,
    async json() {
      const text = await res.text();
      if (res.headers.get("x-darkbloom-sealed") !== "json") return JSON.parse(text) as unknown;
      return JSON.parse(open((JSON.parse(text) as { ciphertext: string }).ciphertext)) as unknown;
    },
    async *events() {
      for await (const event of sseEvents(res)) {
        if (!event.startsWith("data: ")) continue;
        yield open(event.slice(6));
      }
    },
  };
}
