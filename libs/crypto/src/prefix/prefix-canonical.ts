// The bytes both sides hash: a canonical serialization of the request's input that the edge can
// produce without the model's tokenizer or chat template. Shapes are structural so that the
// generated InferenceBody (proto) fits without this library depending on it.

export interface PrefixToolCall {
  id: string;
  name: string;
  argumentsJson: string;
}

export interface PrefixMessage {
  role: string;
  content: string;
  name: string;
  toolCallId: string;
  toolCalls: readonly PrefixToolCall[];
}

export interface PrefixTool {
  name: string;
  description: string;
  parametersJson: string;
}

export type PrefixInput =
  | { case: "chat"; value: { messages: readonly PrefixMessage[]; tools: readonly PrefixTool[] } }
  | { case: "prompt"; value: string }
  | { case: undefined; value?: undefined };

const encoder = new TextEncoder();

/**
 * One JSON line per tool, then one per message, in order: a message's line never depends on
 * later messages, so two conversations that agree on their first turns agree on the leading
 * bytes. Tools come first because chat templates render them in the system section. A raw
 * prompt (legacy completions) is its own UTF-8.
 */
export function canonicalPrefixBytes(input: PrefixInput): Uint8Array {
  switch (input.case) {
    case "prompt":
      return encoder.encode(input.value);
    case "chat": {
      const lines = [
        ...input.value.tools.map((t) =>
          JSON.stringify(["tool", t.name, t.description, t.parametersJson]),
        ),
        ...input.value.messages.map((m) =>
          JSON.stringify([
            m.role,
            m.name,
            m.toolCallId,
            m.content,
            m.toolCalls.map((c) => [c.id, c.name, c.argumentsJson]),
          ]),
        ),
      ];
      return encoder.encode(lines.map((l) => `${l}\n`).join(""));
    }
    case undefined:
      return new Uint8Array(0);
    default: {
      const unhandled: never = input;
      return unhandled;
    }
  }
}
