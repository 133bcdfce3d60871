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
  readAscii,
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
  if (kind === COMPLETE_TAG) {
    const value = readComplete(data, from, to);
    return value && { $typeName: "darkbloom.v1.ProviderFrame", kind: { case: "complete", value } };
  }
  if (kind === ACCEPTED_TAG) {
    const value = readAccepted(data, from, to);
    return (
      value && {
        $typeName: "darkbloom.v1.ProviderFrame",
        kind: { case: "inferenceAccepted", value },
      }
    );
  }
  const value = readError(data, from, to);
  return (
    value && { $typeName: "darkbloom.v1.ProviderFrame", kind: { case: "inferenceError", value } }
  );
}

function readAccepted(data: Uint8Array, from: number, to: number): InferenceAccepted | undefined {
  const m: InferenceAccepted = { $typeName: "darkbloom.v1.InferenceAccepted", requestId: "" };
  const ok = readFields(data, from, to, (t, _v, at, end) => {
    if (t !== tag(1, DELIMITED)) return false;
    const s = readAscii(data, at, end);
    if (s !== undefined) m.requestId = s;
    return s !== undefined;
  });
  return ok ? m : undefined;
}

function readComplete(data: Uint8Array, from: number, to: number): Complete | undefined {
  const m: Complete = {
    $typeName: "darkbloom.v1.Complete",
    requestId: "",
    finishReason: 0,
    responseHash: new Uint8Array(0),
    signature: new Uint8Array(0),
  };
  const ok = readFields(data, from, to, (t, v, at, end) => {
    switch (t) {
      case tag(1, DELIMITED): {
        const s = readAscii(data, at, end);
        if (s !== undefined) m.requestId = s;
        return s !== undefined;
      }
      case tag(2, DELIMITED): {
        // a repeated message field is merged by the full decoder
        const usage = m.usage ? undefined : readUsage(data, at, end);
        if (usage) m.usage = usage;
        return usage !== undefined;
      }
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
  return ok ? m : undefined;
}

function readError(data: Uint8Array, from: number, to: number): InferenceError | undefined {
  const m: InferenceError = {
    $typeName: "darkbloom.v1.InferenceError",
    requestId: "",
    statusCode: 0,
    message: "",
  };
  const ok = readFields(data, from, to, (t, v, at, end) => {
    switch (t) {
      case tag(1, DELIMITED): {
        const s = readAscii(data, at, end);
        if (s !== undefined) m.requestId = s;
        return s !== undefined;
      }
      case tag(2, VARINT):
        m.statusCode = v;
        return true;
      case tag(3, DELIMITED): {
        const s = readAscii(data, at, end);
        if (s !== undefined) m.message = s;
        return s !== undefined;
      }
      case tag(4, DELIMITED): {
        const usage = m.usage ? undefined : readUsage(data, at, end);
        if (usage) m.usage = usage;
        return usage !== undefined;
      }
      default:
        return false;
    }
  });
  return ok ? m : undefined;
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
