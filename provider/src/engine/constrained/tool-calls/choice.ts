// Which constraint (if any) a request asks for: OpenAI's tool_choice naming a function forces a
// Hermes-format tool call whose arguments follow the function's parameters schema ("required"
// with several tools: a call to one of them); response_format json_object forces any JSON object
// and json_schema an instance of its schema.
import type { InferenceBody } from "@darkbloom/proto";
import { EngineError } from "../../errors.js";
import { SchemaUnsupportedError } from "@darkbloom/model-contract";
import { objectSchemaMachine } from "../json-schema/root.js";
import {
  JsonConstraint,
  type ConstraintVocab,
  type JsonByteMachine,
  type TokenConstraint,
} from "./constraint.js";
import { JsonMachine } from "./json-machine.js";

export const TOOL_CALL_OPEN = "<tool_call>";
export const TOOL_CALL_CLOSE = "</tool_call>";

type MachineFactory = () => JsonByteMachine;
const anyObject: MachineFactory = () => new JsonMachine();

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

/** `"required"` with several tools (one tool is forced by name above). */
function requiresAnyTool(body: InferenceBody): boolean {
  if (body.input.case !== "chat") return false;
  return parse(body.input.value.toolChoiceJson) === "required" && body.input.value.tools.length > 1;
}

const isEmptySchema = (s: unknown): boolean =>
  typeof s !== "object" || s === null || Object.keys(s).length === 0;

/** The function's parameters schema; any JSON object when it has none or one we cannot follow. */
function argumentsMachine(parametersJson: string): MachineFactory {
  const schema = parametersJson === "" ? undefined : (JSON.parse(parametersJson) as unknown);
  if (isEmptySchema(schema)) return anyObject;
  try {
    return objectSchemaMachine(schema, "parameters");
  } catch (err) {
    if (err instanceof SchemaUnsupportedError) return anyObject; // documented fallback
    throw err;
  }
}

/** The answer's machine when response_format asks for JSON; undefined for text. */
function answerMachine(body: InferenceBody): MachineFactory | undefined {
  if (body.input.case !== "chat") return undefined;
  const format = parse(body.input.value.responseFormatJson) as
    { type?: unknown; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === "json_object") return anyObject;
  if (format?.type !== "json_schema") return undefined;
  const schema = format.json_schema?.schema;
  if (schema === undefined || isEmptySchema(schema)) return anyObject;
  try {
    return objectSchemaMachine(schema, "response_format.json_schema.schema");
  } catch (cause) {
    if (cause instanceof SchemaUnsupportedError)
      throw new EngineError("invalid_input", cause.message, { cause });
    throw cause;
  }
}

/** Whether a schema refers to definitions of its own root (which break when it is embedded). */
const hasRef = (s: unknown): boolean => JSON.stringify(s ?? null).includes('"$ref"');

/**
 * `tool_choice: "required"` with several tools: one call to any of them, its name one of theirs and
 * its arguments that tool's parameters (any object where they are empty, unsupported, or refer to
 * their own root), as one schema: anyOf over {"name": const, "arguments": parameters}.
 */
function anyToolCallMachine(
  tools: readonly { name: string; parametersJson: string }[],
): MachineFactory {
  const anyOf = tools.map((t) => {
    const params = t.parametersJson === "" ? undefined : (JSON.parse(t.parametersJson) as unknown);
    const usable =
      !isEmptySchema(params) && !hasRef(params) && argumentsMachine(t.parametersJson) !== anyObject;
    return {
      type: "object",
      properties: { name: { const: t.name }, arguments: usable ? params : { type: "object" } },
      required: ["name", "arguments"],
      additionalProperties: false,
    };
  });
  return objectSchemaMachine({ anyOf }, "tools");
}

export function constraintFor(
  body: InferenceBody,
  vocab: ConstraintVocab,
  eosId: number | undefined,
): TokenConstraint | undefined {
  if (eosId === undefined) return undefined;
  const tool = forcedToolName(body);
  if (tool !== undefined && body.input.case === "chat") {
    const spec = body.input.value.tools.find((t) => t.name === tool);
    return new JsonConstraint(vocab, {
      prefix: `${TOOL_CALL_OPEN}\n{"name": ${JSON.stringify(tool)}, "arguments": `,
      suffix: `}\n${TOOL_CALL_CLOSE}`,
      eosId,
      machine: argumentsMachine(spec?.parametersJson ?? ""),
    });
  }
  if (body.input.case === "chat" && requiresAnyTool(body)) {
    return new JsonConstraint(vocab, {
      prefix: `${TOOL_CALL_OPEN}\n`,
      suffix: `\n${TOOL_CALL_CLOSE}`,
      eosId,
      machine: anyToolCallMachine(body.input.value.tools),
    });
  }
  const machine = answerMachine(body);
  if (machine) return new JsonConstraint(vocab, { prefix: "", suffix: "", eosId, machine });
  return undefined;
}
