import type { EdgeContext, EdgeRequest } from "../edge-context.js";
import { sendJson } from "../http/respond.js";
import { collectOutput, type GeneratedOutput } from "./collect-output.js";
import { dispatch } from "./dispatch.js";
import type { InferencePlan } from "./plan.js";
import type { ResponseMeta } from "./response-meta.js";
import { servedHeaders } from "./start-inference.js";
import { streamInference } from "./stream-inference.js";
import type { StreamTranslator } from "./stream-translator.js";

/** What a protocol contributes to the core's answer: its stream.ts and its response.ts. */
export interface ProtocolOutput {
  /** The protocol's stream translator (stream.ts), for the model that serves the request. */
  stream(meta: ResponseMeta): StreamTranslator;
  /** The protocol's whole response object (response.ts). */
  response(meta: ResponseMeta, output: GeneratedOutput): unknown;
}

/**
 * The core's answer to a validated plan, whatever the protocol: route and start it
 * (dispatch.ts), then stream the provider's events through the protocol's translator
 * (stream-inference.ts), or collect them (collect-output.ts) into its response object.
 */
export async function serveInference(
  ctx: EdgeContext,
  req: EdgeRequest,
  plan: InferencePlan,
  protocol: ProtocolOutput,
): Promise<void> {
  const metaFor = (model: string): ResponseMeta => ({
    id: req.generationId,
    createdUnix: req.createdUnix,
    model,
  });
  if (plan.stream) {
    await streamInference(
      req,
      (onWaiting) => dispatch(ctx, req, plan, onWaiting),
      (model) => protocol.stream(metaFor(model)),
      { model: plan.body.model },
    );
    return;
  }
  const { served, events, model } = await dispatch(ctx, req, plan);
  const output = await collectOutput(events);
  sendJson(req.res, 200, protocol.response(metaFor(model), output), {
    ...servedHeaders(output.servedBy ?? served, req.requestId),
    "x-timing": req.timing.header(),
  });
}
