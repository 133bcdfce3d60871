import type { EdgeContext, EdgeRequest } from "../../edge-context.js";
import { serveInference } from "../../core/serve-inference.js";
import { completionPlan, parseCompletionRequest } from "./request.js";
import { textCompletionBody } from "./response.js";
import { CompletionStreamTranslator } from "./stream.js";

/** POST /v1/completions (legacy prompt completion). */
export async function completions(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const body = parseCompletionRequest(req.json);
  const includeUsage = body.stream_options?.include_usage === true;
  const plan = completionPlan(body, ctx.options.defaultMaxTokens, req.principal.accountId);
  await serveInference(ctx, req, plan, {
    stream: (meta) => new CompletionStreamTranslator(meta, includeUsage),
    response: textCompletionBody,
  });
}
