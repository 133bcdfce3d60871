import type { EdgeContext, EdgeRequest } from "../edge-context.js";
import { sendJson } from "../http/respond.js";
import { pumpStream } from "../sse/pump-stream.js";
import { dispatch, servedHeaders } from "./chat-dispatch.js";
import { collectOutput } from "./chat-output.js";
import { chatPlan, parseChatRequest } from "./chat-request.js";
import { chatCompletionBody } from "./chat-response.js";
import { ChatStreamTranslator } from "./chat-stream.js";

/** POST /v1/chat/completions */
export async function chatCompletions(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const chat = parseChatRequest(req.json);
  const { served, events, model } = await dispatch(
    ctx,
    req,
    chatPlan(chat, ctx.options.defaultMaxTokens, req.principal.accountId),
  );
  const meta = { id: req.generationId, createdUnix: req.createdUnix, model };
  const headers = servedHeaders(served, req.requestId);
  if (chat.stream) {
    const translator = new ChatStreamTranslator(meta, chat.stream_options?.include_usage === true);
    await pumpStream(req, headers, translator, events);
  } else {
    const output = await collectOutput(events);
    sendJson(req.res, 200, chatCompletionBody(meta, output), {
      ...servedHeaders(output.servedBy ?? served, req.requestId),
      "x-timing": req.timing.header(),
    });
  }
}
