// Which constraint (if any) a request asks for: OpenAI's tool_choice naming a function forces a
// Hermes-format tool call with JSON arguments; response_format json_object / json_schema forces
// a JSON object answer.
import type { InferenceBody } from "@darkbloom/proto";
import { EngineError } from "./errors.js";
import {
  JsonConstraint,
  type ConstraintVocab,
  type TokenConstraint,
} from "./tool-calls-constraint.js";

export const TOOL_CALL_OPEN = "<tool_call>";
export const TOOL_CALL_CLOSE = "</tool_call>";

function parse(json: string): unknown {
  if (json === "") return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch (cause) {
    throw new EngineError("invalid_input", "tool_choice / response_format is not JSON", { cause });
  }
}

/** The name of the function the request forces, if it forces one. */
export function forcedToolName(body: InferenceBody): string | undefined {
  if (body.input.case !== "chat") return undefined;
  const chat = body.input.value;
  const choice = parse(chat.toolChoiceJson);
  let name: string | undefined;
  if (choice === "required" && chat.tools.length === 1) name = chat.tools[0]?.name;
  else if (typeof choice === "object" && choice !== null && "function" in choice) {
    const fn = (choice as { function?: { name?: unknown } }).function;
    if (typeof fn?.name === "string") name = fn.name;
  }
  if (name !== undefined && !chat.tools.some((t) => t.name === name))
    throw new EngineError("invalid_input", `tool_choice names ${name}, which is not in tools`);
  return name;
}

function wantsJsonObject(body: InferenceBody): boolean {
  if (body.input.case !== "chat") return false;
  const format = parse(body.input.value.responseFormatJson) as { type?: unknown } | undefined;
  return format?.type === "json_object" || format?.type === "json_schema";
}

export function constraintFor(
  body: InferenceBody,
  vocab: ConstraintVocab,
  eosId: number | undefined,
): TokenConstraint | undefined {
  if (eosId === undefined) return undefined;
  const tool = forcedToolName(body);
  if (tool !== undefined) {
    return new JsonConstraint(vocab, {
      prefix: `${TOOL_CALL_OPEN}\n{"name": ${JSON.stringify(tool)}, "arguments": `,
      suffix: `}\n${TOOL_CALL_CLOSE}`,
      eosId,
    });
  }
  if (wantsJsonObject(body)) return new JsonConstraint(vocab, { prefix: "", suffix: "", eosId });
  return undefined;
}
