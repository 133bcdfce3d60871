import type { EdgeError } from "../../errors/edge-error.js";
import type {
  DeltaEvent,
  DoneEvent,
  SseEvent,
  StreamTranslator,
} from "../../core/stream-translator.js";
import type { GeneratedOutput } from "../../core/collect-output.js";
import { openAiFinishReason } from "../../core/openai-shared/finish-reason.js";
import { openAiStreamError, openAiUsage, type ResponseMeta } from "../../core/openai-shared/openai-shapes.js";

const base = (meta: ResponseMeta) => ({
  id: meta.id,
  object: "text_completion" as const,
  created: meta.createdUnix,
  model: meta.model,
  system_fingerprint: null,
});

const choice = (text: string, finishReason: string | null) => ({
  text,
  index: 0,
  logprobs: null,
  finish_reason: finishReason,
});

/** The non-streaming `text_completion` object. */
export function textCompletionBody(meta: ResponseMeta, out: GeneratedOutput) {
  return {
    ...base(meta),
    choices: [choice(out.text, openAiFinishReason(out.finishReason))],
    usage: openAiUsage(out.promptTokens, out.completionTokens, out.costMicroUsd),
  };
}

/**
 * `text_completion` stream chunks: one per text delta, a finish chunk, and usage — as a separate
 * `choices: []` chunk with `include_usage`, otherwise on the finish chunk.
 */
export class CompletionStreamTranslator implements StreamTranslator {
  readonly doneSentinel = true;

  constructor(
    private readonly meta: ResponseMeta,
    private readonly includeUsage: boolean,
  ) {}

  start(): SseEvent[] {
    return [];
  }

  delta(ev: DeltaEvent): SseEvent[] {
    return ev.text ? [{ data: { ...base(this.meta), choices: [choice(ev.text, null)] } }] : [];
  }

  done(ev: DoneEvent): SseEvent[] {
    const usage = openAiUsage(ev.promptTokens, ev.completionTokens, ev.costMicroUsd);
    const finish = {
      ...base(this.meta),
      choices: [choice("", openAiFinishReason(ev.finishReason))],
    };
    if (!this.includeUsage) return [{ data: { ...finish, usage } }];
    return [{ data: finish }, { data: { ...base(this.meta), choices: [], usage } }];
  }

  error(err: EdgeError): SseEvent[] {
    return openAiStreamError(err);
  }
}
