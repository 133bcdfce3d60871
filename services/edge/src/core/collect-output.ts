import type { FinishReason, ToolCallDelta } from "@darkbloom/proto";
import { EdgeError } from "../errors/edge-error.js";
import type { InferenceEvent } from "./inference-events.js";

export interface GeneratedToolCall {
  index: number;
  id: string;
  name: string;
  argumentsJson: string;
}

/** Everything a non-streaming response needs, whatever its API shape. */
export interface GeneratedOutput {
  text: string;
  toolCalls: GeneratedToolCall[];
  promptTokens: number;
  completionTokens: number;
  finishReason: FinishReason;
  /** The stop string that ended generation, when one did. */
  stopSequence?: string;
  /** What the consumer was charged, once settled. */
  costMicroUsd?: bigint;
  /** The provider that finally served, when a hedge or failover moved the request after dispatch. */
  servedBy?: Extract<InferenceEvent, { type: "started" }>;
}

/**
 * Merges tool-call deltas by index: the first delta of a call carries its id and name, later ones
 * append to its arguments.
 */
export function mergeToolCalls(
  calls: GeneratedToolCall[],
  deltas: readonly ToolCallDelta[],
): GeneratedToolCall[] {
  for (const d of deltas) {
    let call = calls.find((c) => c.index === d.index);
    if (!call) {
      call = { index: d.index, id: d.id, name: d.name, argumentsJson: "" };
      calls.push(call);
    }
    if (d.id && !call.id) call.id = d.id;
    if (d.name && !call.name) call.name = d.name;
    call.argumentsJson += d.argumentsDelta;
  }
  return calls;
}

/** Folds a whole event stream (after `started`) into the generated output. */
export async function collectOutput(
  events: AsyncIterable<InferenceEvent>,
): Promise<GeneratedOutput> {
  let text = "";
  const toolCalls: GeneratedToolCall[] = [];
  let servedBy: Extract<InferenceEvent, { type: "started" }> | undefined;
  for await (const ev of events) {
    if (ev.type === "started") {
      servedBy = ev;
    } else if (ev.type === "delta") {
      text += ev.text;
      mergeToolCalls(toolCalls, ev.toolCalls);
    } else if (ev.type === "deltas") {
      for (const d of ev.deltas) {
        text += d.text;
        mergeToolCalls(toolCalls, d.toolCalls);
      }
    } else if (ev.type === "done") {
      return {
        text,
        toolCalls: toolCalls.sort((a, b) => a.index - b.index),
        promptTokens: ev.promptTokens,
        completionTokens: ev.completionTokens,
        finishReason: ev.finishReason,
        ...(ev.stopSequence === undefined ? {} : { stopSequence: ev.stopSequence }),
        ...(ev.costMicroUsd === undefined ? {} : { costMicroUsd: ev.costMicroUsd }),
        ...(servedBy === undefined ? {} : { servedBy }),
      };
    }
  }
  throw new EdgeError(502, "server_error", "provider_error", "inference ended without completing");
}
