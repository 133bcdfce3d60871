import type {
  Complete,
  InferenceAccepted,
  InferenceError,
  ProviderFrame,
  Usage,
} from "@darkbloom/proto";
import {
  DELIMITED,
  VARINT,
  readAsciiInto,
  readFields,
  readVarint,
  tag,
  varintSize,
} from "./protobuf-wire.js";

// ProviderFrame: inference_accepted 3, complete 5, inference_error 6 (provider.proto).
// InferenceAccepted: request_id 1. Complete: request_id 1, usage 2, finish_reason 3 (enum),
// response_hash 4, signature 5. InferenceError: request_id 1, status_code 2, message 3, usage 4.
// Usage (common.proto): prompt_tokens 1, completion_tokens 2.
const ACCEPTED_TAG = tag(3, DELIMITED);
const COMPLETE_TAG = tag(5, DELIMITED);
const ERROR_TAG = tag(6, DELIMITED);

type Kind = ProviderFrame["kind"];

/**
 * Decodes the frames a provider sends once per request besides its chunks (InferenceAccepted,
 * Complete, InferenceError) without the reflective decoder, into the messages `fromBinary` would
 * build (byte fields views of `data`, as there). Anything unusual — another frame kind, an unknown
 * or repeated message field, a non-ASCII string, a varint beyond 32 bits or not in its shortest
 * form, lengths that do not add up — returns undefined and the caller uses the full decoder,
 * which decides.
 */
export function decodeReplyFrame(data: Uint8Array): ProviderFrame | undefined {
  const kind = data[0];
  if (kind !== ACCEPTED_TAG && kind !== COMPLETE_TAG && kind !== ERROR_TAG) return undefined;
  const len = readVarint(data, 1);
  const from = 1 + varintSize(len);
  if (len < 0 || from + len !== data.length) return undefined;
  const to = data.length;
  const value =
    kind === COMPLETE_TAG
      ? readComplete(data, from, to)
      : kind === ACCEPTED_TAG
        ? readAccepted(data, from, to)
        : readError(data, from, to);
  return value && { $typeName: "darkbloom.v1.ProviderFrame", kind: value };
}

function readAccepted(data: Uint8Array, from: number, to: number): Kind | undefined {
  const m: InferenceAccepted = { $typeName: "darkbloom.v1.InferenceAccepted", requestId: "" };
  const ok = readFields(data, from, to, (t, _v, at, end) => {
    if (t !== tag(1, DELIMITED)) return false;
    return readAsciiInto(data, at, end, (s) => (m.requestId = s));
  });
  return ok ? { case: "inferenceAccepted", value: m } : undefined;
}

function readComplete(data: Uint8Array, from: number, to: number): Kind | undefined {
  const m: Complete = {
    $typeName: "darkbloom.v1.Complete",
    requestId: "",
    finishReason: 0,
    responseHash: new Uint8Array(0),
    signature: new Uint8Array(0),
  };
  const ok = readFields(data, from, to, (t, v, at, end) => {
    switch (t) {
      case tag(1, DELIMITED):
        return readAsciiInto(data, at, end, (s) => (m.requestId = s));
      case tag(2, DELIMITED):
        return readUsageInto(m, data, at, end);
      case tag(3, VARINT):
        // an int32 enum: larger values are negative numbers there
        m.finishReason = v;
        return v <= 0x7fffffff;
      case tag(4, DELIMITED):
        m.responseHash = data.subarray(at, end);
        return true;
      case tag(5, DELIMITED):
        m.signature = data.subarray(at, end);
        return true;
      default:
        return false;
    }
  });
  return ok ? { case: "complete", value: m } : undefined;
}

function readError(data: Uint8Array, from: number, to: number): Kind | undefined {
  const m: InferenceError = {
    $typeName: "darkbloom.v1.InferenceError",
    requestId: "",
    statusCode: 0,
    message: "",
  };
  const ok = readFields(data, from, to, (t, v, at, end) => {
    switch (t) {
      case tag(1, DELIMITED):
        return readAsciiInto(data, at, end, (s) => (m.requestId = s));
      case tag(2, VARINT):
        m.statusCode = v;
        return true;
      case tag(3, DELIMITED):
        return readAsciiInto(data, at, end, (s) => (m.message = s));
      case tag(4, DELIMITED):
        return readUsageInto(m, data, at, end);
      default:
        return false;
    }
  });
  return ok ? { case: "inferenceError", value: m } : undefined;
}

/** A Usage field into `m`; a second one (merged by the full decoder) or a malformed one: false. */
function readUsageInto(m: { usage?: Usage }, data: Uint8Array, at: number, end: number): boolean {
  const usage = m.usage ? undefined : readUsage(data, at, end);
  if (usage) m.usage = usage;
  return usage !== undefined;
}

function readUsage(data: Uint8Array, from: number, to: number): Usage | undefined {
  const m: Usage = { $typeName: "darkbloom.v1.Usage", promptTokens: 0, completionTokens: 0 };
  const ok = readFields(data, from, to, (t, v) => {
    if (t === tag(1, VARINT)) m.promptTokens = v;
    else if (t === tag(2, VARINT)) m.completionTokens = v;
    else return false;
    return true;
  });
  return ok ? m : undefined;
}
