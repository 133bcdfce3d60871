import type { EdgeContext, EdgeRequest } from "../../edge-context.js";
import { sendJson } from "../../http/respond.js";
import { streamInference } from "../../core/stream-inference.js";
import { dispatch, servedHeaders } from "../../core/dispatch.js";
import { collectOutput } from "../../core/collect-output.js";
import { completionPlan, parseCompletionRequest } from "./request.js";
import { CompletionStreamTranslator, textCompletionBody } from "./stream.js";

/** POST /v1/completions (legacy prompt completion). */
export async function completions(ctx: EdgeContext, req: EdgeRequest): Promise<void> {
  const body = parseCompletionRequest(req.json);
  const plan = completionPlan(body, ctx.options.defaultMaxTokens, req.principal.accountId);
  const metaFor = (model: string) => ({
    id: req.generationId,
    createdUnix: req.createdUnix,
    model,
  });
  if (body.stream) {
    const includeUsage = body.stream_options?.include_usage === true;
    await streamInference(
      ctx,
      req,
      plan,
      (m) => new CompletionStreamTranslator(metaFor(m), includeUsage),
    );
    return;
  }
  const { served, events, model } = await dispatch(ctx, req, plan);
  const output = await collectOutput(events);
  sendJson(req.res, 200, textCompletionBody(metaFor(model), output), {
    ...servedHeaders(output.servedBy ?? served, req.requestId),
    "x-timing": req.timing.header(),
  });
}
