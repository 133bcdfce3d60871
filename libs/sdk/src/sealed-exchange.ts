import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  CryptoError,
  NonceGuard,
  boxBeforenm,
  fromBase64,
  generateKeyPair,
  openWithNonceGuard,
  sealWithSharedKey,
  toBase64,
} from "@darkbloom/crypto";
import { ChunkPayloadSchema, InferenceBodySchema } from "@darkbloom/proto";
import { estimatePromptTokens, maxTokensOf, toInferenceBody } from "./chat-body.js";
import type { ChatCompletionCreateParams, ServedBy, Usage } from "./chat-types.js";
import { DarkbloomError, throwIfNotOk } from "./sdk-error.js";
import { dataOf, sseEvents } from "./sse-events.js";
import { verifyCandidates, type VerificationPolicy } from "./evidence/verify-candidates.js";
import type { AttestedKey } from "./evidence/wire-evidence.js";
import { verifyProviderKey } from "./verify-provider-key.js";

export interface Transport {
  baseURL: string;
  apiKey: string;
  fetch: typeof fetch;
  /** How provider keys are verified from their own evidence before anything is reserved. */
  verification: Readonly<VerificationPolicy>;
  now: () => number;
}

export type SealedEvent =
  | { type: "started"; servedBy: ServedBy; requestId: string }
  | { type: "delta"; text: string; tokens: number }
  | { type: "complete"; usage: Usage; finishReason: string };

interface Reservation {
  reservation_id: string;
  request_id: string;
  account_id: string;
  provider_id: string;
  provider_public_key: string;
  key_fingerprint: string;
  trust_level: string;
}

type WireEvent =
  | { type: "started"; provider_id: string }
  | { type: "chunk"; sealed: string; tokens: number }
  | {
      type: "complete";
      usage: { prompt_tokens: number; completion_tokens: number };
      finish_reason: string;
    }
  | { type: "error"; error: { code: string | null; message: string } };

async function call<T>(t: Transport, path: string, init: RequestInit = {}): Promise<T> {
  const res = await t.fetch(`${t.baseURL}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${t.apiKey}`, "content-type": "application/json" },
  });
  await throwIfNotOk(res);
  return (await res.json()) as T;
}

/**
 * Sealed mode, end to end: fetch the candidate keys and verify each from the provider's own signed
 * evidence (refusing before any reservation when none holds), reserve a provider on cleartext
 * metadata, check it is one of the verified keys, seal the InferenceBody to it with a fresh
 * ephemeral key, submit, and open each relayed chunk. Only this process and the provider ever
 * hold the shared key.
 */
export async function* sealedExchange(
  t: Transport,
  params: ChatCompletionCreateParams,
): AsyncGenerator<SealedEvent> {
  const trust = params.min_trust ? `&min_trust=${params.min_trust}` : "";
  const keys = await call<{ data: AttestedKey[] }>(
    t,
    `/sealed/provider-keys?model=${encodeURIComponent(params.model)}${trust}`,
  );
  const verified = await verifyCandidates(keys.data, params.min_trust, t.verification, t.now());
  const reservation = await call<Reservation>(t, "/sealed/reserve", {
    method: "POST",
    body: JSON.stringify({
      model: params.model,
      estimated_prompt_tokens: estimatePromptTokens(params),
      max_tokens: maxTokensOf(params),
      stream: params.stream === true,
      ...(params.min_trust ? { min_trust: params.min_trust } : {}),
    }),
  });
  const providerKey = verifyProviderKey(
    reservation,
    verified.map((c) => c.key),
  );
  const evidence = verified.find((c) => c.key.provider_id === reservation.provider_id)?.verified;
  const ephemeral = generateKeyPair();
  const sharedKey = boxBeforenm(providerKey, ephemeral.secretKey);
  ephemeral.secretKey.fill(0);
  const abort = new AbortController();
  try {
    const body = toBinary(InferenceBodySchema, toInferenceBody(params, reservation.account_id));
    const res = await t.fetch(`${t.baseURL}/sealed/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        reservation_id: reservation.reservation_id,
        ephemeral_public_key: toBase64(ephemeral.publicKey),
        ciphertext: toBase64(sealWithSharedKey(sharedKey, body)),
      }),
      signal: abort.signal,
    });
    body.fill(0);
    await throwIfNotOk(res);
    const guard = new NonceGuard();
    for await (const event of sseEvents(res)) {
      const data = dataOf(event);
      if (data === undefined || data === "[DONE]") continue;
      const ev = JSON.parse(data) as WireEvent;
      switch (ev.type) {
        case "started":
          yield {
            type: "started",
            requestId: reservation.request_id,
            servedBy: {
              provider_id: ev.provider_id,
              key_fingerprint: reservation.key_fingerprint,
              trust_level: reservation.trust_level,
              verified_trust_level: evidence?.verifiedTrust ?? "none",
              identity_fingerprint: evidence?.identityFingerprint ?? "",
            },
          };
          break;
        case "chunk":
          yield { type: "delta", text: openChunk(sharedKey, ev.sealed, guard), tokens: ev.tokens };
          break;
        case "complete":
          yield {
            type: "complete",
            finishReason: ev.finish_reason,
            usage: {
              ...ev.usage,
              total_tokens: ev.usage.prompt_tokens + ev.usage.completion_tokens,
            },
          };
          return;
        case "error":
          throw new DarkbloomError(502, ev.error.code ?? "provider_error", ev.error.message);
      }
    }
    throw new DarkbloomError(502, "stream_truncated", "the stream ended before the completion");
  } finally {
    abort.abort();
    sharedKey.fill(0);
  }
}

function openChunk(sharedKey: Uint8Array, sealed: string, guard: NonceGuard): string {
  try {
    return fromBinary(ChunkPayloadSchema, openWithNonceGuard(sharedKey, fromBase64(sealed), guard))
      .text;
  } catch (err) {
    if (!(err instanceof CryptoError)) throw err;
    throw new DarkbloomError(
      0,
      "chunk_authentication_failed",
      `a response chunk failed authentication (${err.code}); the stream was abandoned`,
      { cause: err },
    );
  }
}
