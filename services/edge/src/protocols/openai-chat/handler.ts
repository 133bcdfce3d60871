import type { EdgeContext, EdgeRequest } from "../../edge-context.js";
import { serveInference } from "../../core/serve-inference.js";
import { chatPlan, parseChatRequest } from "./request.js";
import { chatCompletionBody } from "./response.js";
import { ChatStreamTranslator } from "./stream.js";

/** POST /v1/chat/completions */
export async function chatCompletions(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const chat = parseChatRequest(req.json);
  const includeUsage = chat.stream_options?.include_usage === true;
  await serveInference(
    ctx,
    req,
    chatPlan(chat, ctx.options.defaultMaxTokens, req.principal.accountId),
    {
      stream: (meta) => new ChatStreamTranslator(meta, includeUsage),
      response: chatCompletionBody,
    },
  );
}
