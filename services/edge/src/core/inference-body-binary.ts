import { toBinary } from "@bufbuild/protobuf";
import {
  InferenceBodySchema,
  type ChatInput,
  type ChatMessage,
  type InferenceBody,
  type SamplingParams,
} from "@darkbloom/proto";
import { ProtobufWriter as Writer, VARINT } from "@darkbloom/frames";

/**
 * `toBinary(InferenceBodySchema, body)`, the same bytes, written directly: protobuf-es's
 * reflective writer costs ~30 µs for a short chat body, once per compat-mode request before it
 * is sealed. A body this writer does not cover (unknown fields, a figure protobuf-es would refuse
 * or convert) goes to toBinary itself, which encodes or refuses it as before. Which fields exist
 * is pinned by a test against the schema: a field added to inference.proto fails it until it is
 * written here too.
 */
export function inferenceBodyBinary(body: InferenceBody): Uint8Array {
  const w = new Writer();
  return writeBody(w, body) ? w.finish() : toBinary(InferenceBodySchema, body);
}

const FLOAT32_MAX = 3.4028234663852886e38;
const UINT32_MAX = 0xffffffff;

/** False: the body needs toBinary (see above). */
function writeBody(w: Writer, b: InferenceBody): boolean {
  if (hasUnknown(b)) return false;
  w.string(1, b.model);
  const input = b.input;
  if (input.case === "chat") {
    const at = w.open(2);
    if (!writeChat(w, input.value)) return false;
    w.close(at);
  } else if (input.case === "prompt") {
    w.stringAlways(3, input.value);
  } else if (input.case !== undefined) {
    return false;
  }
  if (b.sampling !== undefined) {
    const at = w.open(4);
    if (!writeSampling(w, b.sampling)) return false;
    w.close(at);
  }
  w.string(5, b.accountId);
  w.bytes(6, b.prefixKey);
  return true;
}

function writeChat(w: Writer, chat: ChatInput): boolean {
  if (hasUnknown(chat)) return false;
  for (const m of chat.messages) {
    const at = w.open(1);
    if (!writeMessage(w, m)) return false;
    w.close(at);
  }
  for (const t of chat.tools) {
    if (hasUnknown(t)) return false;
    const at = w.open(2);
    w.string(1, t.name);
    w.string(2, t.description);
    w.string(3, t.parametersJson);
    w.close(at);
  }
  w.string(3, chat.toolChoiceJson);
  w.string(4, chat.responseFormatJson);
  return true;
}

function writeMessage(w: Writer, m: ChatMessage): boolean {
  if (hasUnknown(m)) return false;
  w.string(1, m.role);
  w.string(2, m.content);
  w.string(3, m.name);
  w.string(4, m.toolCallId);
  for (const c of m.toolCalls) {
    if (hasUnknown(c)) return false;
    const at = w.open(5);
    w.string(1, c.id);
    w.string(2, c.name);
    w.string(3, c.argumentsJson);
    w.close(at);
  }
  return true;
}

function writeSampling(w: Writer, s: SamplingParams): boolean {
  if (hasUnknown(s) || !isUint32(s.maxTokens)) return false;
  if (s.maxTokens !== 0) w.varintField(1, s.maxTokens);
  if (s.temperature !== undefined) {
    if (!isFloat32(s.temperature)) return false;
    w.floatField(2, s.temperature);
  }
  if (s.topP !== undefined) {
    if (!isFloat32(s.topP)) return false;
    w.floatField(3, s.topP);
  }
  if (s.seed !== undefined) {
    if (typeof s.seed !== "bigint" || s.seed < 0n || s.seed > 0xffffffffffffffffn) return false;
    w.tag(4, VARINT);
    w.varint64(s.seed);
  }
  for (const stop of s.stop) w.stringAlways(5, stop);
  if (s.includeSpecialTokens) w.varintField(6, 1);
  for (const key of Object.keys(s.logitBias)) {
    const id = Number(key);
    const bias = s.logitBias[id];
    if (String(id) !== key || !isUint32(id) || bias === undefined || !isFloat32(bias)) return false;
    const at = w.open(7);
    w.varintField(1, id);
    w.floatField(2, bias);
    w.close(at);
  }
  return true;
}

function hasUnknown(message: object): boolean {
  const unknown = (message as { $unknown?: unknown[] }).$unknown;
  return unknown !== undefined && unknown.length > 0;
}

function isUint32(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= UINT32_MAX;
}

/** What protobuf-es writes as a float: a number; a finite one within float32's range. */
function isFloat32(n: unknown): n is number {
  return typeof n === "number" && !(Number.isFinite(n) && (n > FLOAT32_MAX || n < -FLOAT32_MAX));
}
