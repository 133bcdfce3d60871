// The common chat request checked without zod: plain text messages and the usual sampling
// fields. Anything else (tools, response formats, content parts, logit bias, seeds, unknown
// fields, and every invalid body) is left to the zod schema, which also writes the 400s: this
// only accepts bodies the schema accepts unchanged (request.test.ts holds them to that).
import { LIMITS } from "../../http/input-limits.js";
import type { ChatRequest } from "./request.js";

const TOP_LEVEL: ReadonlySet<string> = new Set([
  "model",
  "messages",
  "stream",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "user",
  "stream_options",
  "stop",
  "n",
]);
const ROLES: ReadonlySet<unknown> = new Set(["system", "developer", "user", "assistant"]);

/** The body as the schema would return it, or undefined: ask the schema. */
export function fastChatRequest(json: Record<string, unknown>): ChatRequest | undefined {
  for (const key in json) {
    if (!TOP_LEVEL.has(key) || !Object.hasOwn(json, key)) return undefined;
    const v = json[key];
    switch (key) {
      case "model":
        if (typeof v !== "string" || v.length < 1 || v.length > 256) return undefined;
        break;
      case "messages":
        if (!messagesOk(v)) return undefined;
        break;
      case "stream":
        if (v !== null && typeof v !== "boolean") return undefined;
        break;
      case "max_tokens":
      case "max_completion_tokens":
        if (
          v !== null &&
          !(Number.isInteger(v) && (v as number) > 0 && (v as number) <= LIMITS.tokens)
        )
          return undefined;
        break;
      case "temperature":
        if (v !== null && !(typeof v === "number" && v >= 0 && v <= 2)) return undefined;
        break;
      case "top_p":
        if (v !== null && !(typeof v === "number" && v > 0 && v <= 1)) return undefined;
        break;
      case "user":
        if (typeof v !== "string") return undefined;
        break;
      case "stream_options":
        if (v !== null && !streamOptionsOk(v)) return undefined;
        break;
      case "stop":
        if (v !== null && typeof v !== "string" && !stopListOk(v)) return undefined;
        break;
      case "n":
        if (v !== null && v !== 1) return undefined;
        break;
    }
  }
  if (!("model" in json) || !("messages" in json)) return undefined;
  return json as ChatRequest;
}

function messagesOk(v: unknown): boolean {
  if (!Array.isArray(v) || v.length < 1) return false;
  for (const m of v as unknown[]) {
    if (typeof m !== "object" || m === null || Array.isArray(m)) return false;
    const message = m as Record<string, unknown>;
    let keys = 0;
    for (const key in message) {
      if (!Object.hasOwn(message, key)) return false;
      keys++;
      if (key === "role") {
        if (!ROLES.has(message.role)) return false;
      } else if (key === "content") {
        if (typeof message.content !== "string") return false;
      } else if (key === "name") {
        if (typeof message.name !== "string") return false;
      } else return false;
    }
    // role and content both present (the schema lets an assistant omit content: left to it)
    if (keys < 2 || !("role" in message) || !("content" in message)) return false;
  }
  return true;
}

function streamOptionsOk(v: unknown): boolean {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  for (const key in v) {
    if (key !== "include_usage" || !Object.hasOwn(v, key)) return false;
    if (typeof (v as { include_usage: unknown }).include_usage !== "boolean") return false;
  }
  return true;
}

function stopListOk(v: unknown): boolean {
  if (!Array.isArray(v) || v.length > 4) return false;
  for (const s of v as unknown[]) if (typeof s !== "string") return false;
  return true;
}
