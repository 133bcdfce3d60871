import { fromBinary } from "@bufbuild/protobuf";
import {
  ForwardInferRequestSchema,
  type ForwardInferRequest,
  type InferenceRequest,
  type RoutingMetadata,
} from "@darkbloom/proto";
import { DELIMITED, VARINT, readAsciiInto, readFields, tag } from "@darkbloom/frames";

// The fields as peer-request-encode.ts lists them.

function decodeMetadata(data: Buffer, from: number, to: number): RoutingMetadata | undefined {
  const m: RoutingMetadata = {
    $typeName: "darkbloom.v1.RoutingMetadata",
    model: "",
    estimatedPromptTokens: 0,
    maxTokens: 0,
    stream: false,
    accountId: "",
    prefixBlockHashes: [],
  };
  const ok = readFields(data, from, to, (t, value, at, end) => {
    switch (t) {
      case tag(1, DELIMITED):
        return readAsciiInto(data, at, end, (s) => (m.model = s));
      case tag(2, VARINT):
        m.estimatedPromptTokens = value;
        return true;
      case tag(3, VARINT):
        m.maxTokens = value;
        return true;
      case tag(4, VARINT):
        if (value > 1) return false;
        m.stream = value === 1;
        return true;
      case tag(5, DELIMITED):
        return readAsciiInto(data, at, end, (s) => (m.accountId = s));
      case tag(6, DELIMITED):
        m.prefixBlockHashes.push(data.subarray(at, end));
        return true;
      default:
        return false;
    }
  });
  return ok ? m : undefined;
}

function decodeRequest(data: Buffer, from: number, to: number): InferenceRequest | undefined {
  const r: InferenceRequest = {
    $typeName: "darkbloom.v1.InferenceRequest",
    requestId: "",
    senderPublicKey: new Uint8Array(0),
    encryptedBody: new Uint8Array(0),
  };
  const ok = readFields(data, from, to, (t, _value, at, end) => {
    switch (t) {
      case tag(1, DELIMITED):
        return readAsciiInto(data, at, end, (s) => (r.requestId = s));
      case tag(2, DELIMITED):
        // a repeated occurrence of a message field is merged by the reflective decoder
        if (r.metadata) return false;
        {
          const m = decodeMetadata(data, at, end);
          if (m) r.metadata = m;
          return m !== undefined;
        }
      case tag(3, DELIMITED):
        r.senderPublicKey = data.subarray(at, end);
        return true;
      case tag(4, DELIMITED):
        r.encryptedBody = data.subarray(at, end);
        return true;
      default:
        return false;
    }
  });
  return ok ? r : undefined;
}

function decodeDirect(data: Buffer): ForwardInferRequest | undefined {
  const r: ForwardInferRequest = {
    $typeName: "darkbloom.v1.ForwardInferRequest",
    providerId: "",
    originReplicaId: "",
  };
  const ok = readFields(data, 0, data.length, (t, _value, at, end) => {
    switch (t) {
      case tag(1, DELIMITED):
        return readAsciiInto(data, at, end, (s) => (r.providerId = s));
      case tag(2, DELIMITED):
        if (r.request) return false;
        {
          const request = decodeRequest(data, at, end);
          if (request) r.request = request;
          return request !== undefined;
        }
      case tag(3, DELIMITED):
        return readAsciiInto(data, at, end, (s) => (r.originReplicaId = s));
      default:
        return false;
    }
  });
  return ok ? r : undefined;
}

/**
 * Decodes a ForwardInferRequest as `fromBinary` would (byte fields are views of `data`, as
 * there; an absent message field is not set): the usual message directly; anything unusual — a non-ASCII string, an unknown or
 * repeated field, a malformed length — by `fromBinary` (which also throws on what is malformed).
 */
export function decodeForwardInferRequest(data: Buffer): ForwardInferRequest {
  return decodeDirect(data) ?? fromBinary(ForwardInferRequestSchema, data);
}
