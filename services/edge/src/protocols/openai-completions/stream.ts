import type { EdgeError } from "../../errors/edge-error.js";
import type {
  DeltaEvent,
  DoneEvent,
  SseEvent,
  StreamTranslator,
} from "../../core/stream-translator.js";
import { openAiFinishReason } from "../../core/openai-shared/finish-reason.js";
import { openAiStreamError, openAiUsage } from "../../core/openai-shared/openai-shapes.js";
import type { ResponseMeta } from "../../core/response-meta.js";
import { completionBase, completionChoice } from "./response.js";

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
    return ev.text
      ? [{ data: { ...completionBase(this.meta), choices: [completionChoice(ev.text, null)] } }]
      : [];
  }

  done(ev: DoneEvent): SseEvent[] {
    const usage = openAiUsage(ev.promptTokens, ev.completionTokens, ev.costMicroUsd);
    const finish = {
      ...completionBase(this.meta),
      choices: [completionChoice("", openAiFinishReason(ev.finishReason))],
    };
    if (!this.includeUsage) return [{ data: { ...finish, usage } }];
    return [{ data: finish }, { data: { ...completionBase(this.meta), choices: [], usage } }];
  }

  error(err: EdgeError): SseEvent[] {
    return openAiStreamError(err);
  }
}
