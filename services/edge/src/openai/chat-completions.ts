import { TrustLevel } from "@darkbloom/proto";
import { openAiErrorBody, type EdgeError } from "../errors/edge-error.js";
import { billedInference } from "../inference/billed-inference.js";
import { MidStreamError, type InferenceEvent } from "../inference/run-inference.js";
import type { EdgeContext, EdgeRequest } from "../edge-context.js";
import { sendJson } from "../http/respond.js";
import { SseWriter } from "../sse/sse-writer.js";
import {
  estimatePromptTokens,
  maxTokensOf,
  parseChatRequest,
  toInferenceBody,
  type ChatRequest,
} from "./chat-request.js";
import { openAiFinishReason } from "./finish-reason.js";

interface Served {
  providerId: string;
  trustLevel: TrustLevel;
  keyFingerprint: string;
}

const servedHeaders = (s: Served): Record<string, string> => ({
  "x-darkbloom-provider": s.providerId,
  "x-darkbloom-trust-level": TrustLevel[s.trustLevel]?.toLowerCase() ?? "unspecified",
  "x-darkbloom-key-fingerprint": s.keyFingerprint,
});

/** POST /v1/chat/completions */
export async function chatCompletions(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const chat = parseChatRequest(req.json);
  const maxTokens = maxTokensOf(chat, ctx.options.defaultMaxTokens);
  const events = billedInference(ctx, {
    requestId: req.requestId,
    accountId: req.principal.accountId,
    body: toInferenceBody(chat, maxTokens, req.principal.accountId),
    estimatedPromptTokens: estimatePromptTokens(chat),
    maxTokens,
    stream: chat.stream === true,
    minTrust: TrustLevel.UNSPECIFIED,
    signal: req.signal,
  });
  const started = await firstEvent(events);
  if (chat.stream) await streamChat(req, chat, started, events);
  else await completeChat(req, chat, started, events);
}

async function firstEvent(events: AsyncGenerator<InferenceEvent>): Promise<Served> {
  const first = await events.next();
  if (first.done || first.value.type !== "started")
    throw new Error("inference produced no start event");
  return first.value;
}

const chunkBase = (req: EdgeRequest, chat: ChatRequest) => ({
  id: req.generationId,
  object: "chat.completion.chunk" as const,
  created: req.createdUnix,
  model: chat.model,
  system_fingerprint: null,
});

async function streamChat(
  req: EdgeRequest,
  chat: ChatRequest,
  served: Served,
  events: AsyncGenerator<InferenceEvent>,
): Promise<void> {
  const sse = new SseWriter(req.res);
  sse.start({ ...servedHeaders(served), "x-request-id": req.requestId });
  const base = chunkBase(req, chat);
  await sse.data({
    ...base,
    choices: [
      { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
    ],
  });
  try {
    for await (const ev of events) {
      if (ev.type === "delta") {
        if (ev.text)
          await sse.data({
            ...base,
            choices: [
              { index: 0, delta: { content: ev.text }, logprobs: null, finish_reason: null },
            ],
          });
      } else if (ev.type === "done") {
        await sse.data({
          ...base,
          choices: [
            {
              index: 0,
              delta: {},
              logprobs: null,
              finish_reason: openAiFinishReason(ev.finishReason),
            },
          ],
        });
        if (chat.stream_options?.include_usage) {
          await sse.data({
            ...base,
            choices: [],
            usage: usageOf(ev.promptTokens, ev.completionTokens),
          });
        }
      }
    }
    await sse.done();
  } catch (err) {
    const edge: EdgeError = err instanceof MidStreamError ? err.edge : req.toEdgeError(err);
    req.log.warn("stream failed after start", { status: edge.status, code: edge.code ?? "" });
    await sse.data(openAiErrorBody(edge));
    sse.end();
  }
}

async function completeChat(
  req: EdgeRequest,
  chat: ChatRequest,
  served: Served,
  events: AsyncGenerator<InferenceEvent>,
): Promise<void> {
  let text = "";
  for await (const ev of events) {
    if (ev.type === "delta") text += ev.text;
    else if (ev.type === "done") {
      sendJson(
        req.res,
        200,
        {
          id: req.generationId,
          object: "chat.completion",
          created: req.createdUnix,
          model: chat.model,
          system_fingerprint: null,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: text, refusal: null },
              logprobs: null,
              finish_reason: openAiFinishReason(ev.finishReason),
            },
          ],
          usage: usageOf(ev.promptTokens, ev.completionTokens),
        },
        { ...servedHeaders(served), "x-request-id": req.requestId },
      );
    }
  }
}

const usageOf = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});
