import type { EdgeContext, EdgeRequest } from "../edge-context.js";
import { sendJson } from "../http/respond.js";
import { dispatch, servedHeaders } from "../openai/chat-dispatch.js";
import { collectOutput } from "../openai/chat-output.js";
import { pumpStream } from "../sse/pump-stream.js";
import { anthropicMessage } from "./message-object.js";
import { MessageStreamTranslator } from "./message-stream.js";
import { messagesPlan, parseMessagesRequest } from "./messages-request.js";

/** POST /v1/messages (Anthropic Messages API). */
export async function createMessage(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const body = parseMessagesRequest(req.json);
  const { served, events, model } = await dispatch(
    ctx,
    req,
    messagesPlan(body, req.principal.accountId),
  );
  const meta = { id: req.generationId, createdUnix: req.createdUnix, model };
  const headers = servedHeaders(served, req.requestId);
  if (body.stream) {
    await pumpStream(req, headers, new MessageStreamTranslator(meta), events);
  } else {
    const output = await collectOutput(events);
    sendJson(req.res, 200, anthropicMessage(meta, output), {
      ...servedHeaders(output.servedBy ?? served, req.requestId),
      "x-timing": req.timing.header(),
    });
  }
}
