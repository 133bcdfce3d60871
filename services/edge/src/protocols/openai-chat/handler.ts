import type { EdgeContext, EdgeRequest } from "../../edge-context.js";
import { sendJson } from "../../http/respond.js";
import { streamInference } from "../../core/stream-inference.js";
import { dispatch, servedHeaders } from "../../core/dispatch.js";
import { collectOutput } from "../../core/collect-output.js";
import { chatPlan, parseChatRequest } from "./request.js";
import { chatCompletionBody } from "./response.js";
import { ChatStreamTranslator } from "./stream.js";

/** POST /v1/chat/completions */
export async function chatCompletions(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const chat = parseChatRequest(req.json);
  const plan = chatPlan(chat, ctx.options.defaultMaxTokens, req.principal.accountId);
  const metaFor = (model: string) => ({
    id: req.generationId,
    createdUnix: req.createdUnix,
    model,
  });
  if (chat.stream) {
    const includeUsage = chat.stream_options?.include_usage === true;
    await streamInference(
      ctx,
      req,
      plan,
      (m) => new ChatStreamTranslator(metaFor(m), includeUsage),
    );
    return;
  }
  const { served, events, model } = await dispatch(ctx, req, plan);
  const output = await collectOutput(events);
  sendJson(req.res, 200, chatCompletionBody(metaFor(model), output), {
    ...servedHeaders(output.servedBy ?? served, req.requestId),
    "x-timing": req.timing.header(),
  });
}
