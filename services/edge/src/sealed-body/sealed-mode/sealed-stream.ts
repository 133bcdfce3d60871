import { toBase64 } from "@darkbloom/crypto";
import { FinishReason } from "@darkbloom/proto";
import type { Served } from "../../core/start-inference.js";
import type {
  DeltaEvent,
  DoneEvent,
  SseEvent,
  StreamTranslator,
} from "../../core/stream-translator.js";
import { openAiErrorBody, type EdgeError } from "../../errors/edge-error.js";

/**
 * Sealed mode's stream: the core's events as `started`, still-sealed `chunk`s, `complete` with
 * the usage and finish reason, or a final `error`. The edge writes only metadata; the text stays
 * sealed to the client.
 */
export class SealedStreamTranslator implements StreamTranslator {
  readonly doneSentinel = true;

  start(served?: Served): SseEvent[] {
    return [{ data: { type: "started", provider_id: served?.providerId ?? "" } }];
  }

  delta(ev: DeltaEvent): SseEvent[] {
    if (!ev.sealed) return [];
    return [
      {
        data: {
          type: "chunk",
          sequence: ev.sealed.sequence,
          tokens: ev.tokens,
          sealed: toBase64(ev.sealed.payload),
        },
      },
    ];
  }

  done(ev: DoneEvent): SseEvent[] {
    return [
      {
        data: {
          type: "complete",
          usage: { prompt_tokens: ev.promptTokens, completion_tokens: ev.completionTokens },
          finish_reason: FinishReason[ev.finishReason]?.toLowerCase() ?? "stop",
        },
      },
    ];
  }

  error(err: EdgeError): SseEvent[] {
    return [{ data: { type: "error", ...openAiErrorBody(err) } }];
  }
}
