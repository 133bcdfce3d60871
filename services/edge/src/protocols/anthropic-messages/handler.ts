import type { EdgeContext, EdgeRequest } from "../../edge-context.js";
import { serveInference } from "../../core/serve-inference.js";
import { messagesPlan, parseMessagesRequest } from "./request.js";
import { anthropicMessage } from "./response.js";
import { MessageStreamTranslator } from "./stream.js";

/** POST /v1/messages (Anthropic Messages API). */
export async function createMessage(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const body = parseMessagesRequest(req.json);
  await serveInference(ctx, req, messagesPlan(body, req.principal.accountId), {
    stream: (meta) => new MessageStreamTranslator(meta),
    response: anthropicMessage,
  });
}
