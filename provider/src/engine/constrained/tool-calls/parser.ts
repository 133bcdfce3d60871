// Splits a streamed completion into text and Hermes/Qwen tool calls
// (`<tool_call>{"name": ..., "arguments": {...}}</tool_call>`). Text that might begin a tool call
// is held back until it is known not to; a call that does not parse is passed on as text.
import { randomBytes } from "node:crypto";
import { TOOL_CALL_CLOSE, TOOL_CALL_OPEN } from "./choice.js";

export interface ToolCallPiece {
  index: number;
  id: string;
  name: string;
  argumentsDelta: string;
}

export interface ParsedPiece {
  text: string;
  toolCalls: ToolCallPiece[];
}

export class ToolCallParser {
  #buffer = "";
  #inCall = false;
  #calls = 0;

  /** Tool calls emitted so far. */
  get calls(): number {
    return this.#calls;
  }

  push(text: string): ParsedPiece {
    this.#buffer += text;
    const out: ParsedPiece = { text: "", toolCalls: [] };
    for (;;) {
      if (!this.#inCall) {
        const at = this.#buffer.indexOf(TOOL_CALL_OPEN);
        if (at < 0) {
          const hold = heldPrefix(this.#buffer, TOOL_CALL_OPEN);
          out.text += this.#buffer.slice(0, this.#buffer.length - hold);
          this.#buffer = this.#buffer.slice(this.#buffer.length - hold);
          return out;
        }
        out.text += this.#buffer.slice(0, at);
        this.#buffer = this.#buffer.slice(at + TOOL_CALL_OPEN.length);
        this.#inCall = true;
      }
      const end = this.#buffer.indexOf(TOOL_CALL_CLOSE);
      if (end < 0) return out;
      const inner = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + TOOL_CALL_CLOSE.length);
      this.#inCall = false;
      const call = this.#parseCall(inner);
      if (call) out.toolCalls.push(call);
      else out.text += TOOL_CALL_OPEN + inner + TOOL_CALL_CLOSE;
    }
  }

  /** The end of generation: whatever is held back (an unfinished call too) is plain text. */
  end(): ParsedPiece {
    const text = (this.#inCall ? TOOL_CALL_OPEN : "") + this.#buffer;
    this.#buffer = "";
    this.#inCall = false;
    return { text, toolCalls: [] };
  }

  #parseCall(inner: string): ToolCallPiece | undefined {
    let value: unknown;
    try {
      value = JSON.parse(inner);
    } catch {
      return undefined; // not a tool call after all: the caller passes it on as text
    }
    if (typeof value !== "object" || value === null) return undefined;
    const { name, arguments: args } = value as { name?: unknown; arguments?: unknown };
    if (typeof name !== "string" || name === "") return undefined;
    return {
      index: this.#calls++,
      id: `call_${randomBytes(12).toString("base64url")}`,
      name,
      argumentsDelta: typeof args === "string" ? args : JSON.stringify(args ?? {}),
    };
  }
}

/** Length of the longest suffix of text that is a proper prefix of marker. */
function heldPrefix(text: string, marker: string): number {
  for (let n = Math.min(marker.length - 1, text.length); n > 0; n--) {
    if (text.endsWith(marker.slice(0, n))) return n;
  }
  return 0;
}
