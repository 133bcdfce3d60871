import { fromBinary } from "@bufbuild/protobuf";
import {
  ForwardInferRequestSchema,
  type ForwardInferRequest,
  type InferenceRequest,
  type RoutingMetadata,
} from "@darkbloom/proto";
import { DELIMITED, VARINT, readVarint, tag } from "@darkbloom/frames";

// The fields as peer-request-encode.ts lists them.

/** An ASCII string of data[from, to), or undefined (the reflective decoder reads anything else). */
function ascii(data: Buffer, from: number, to: number): string | undefined {
  for (let i = from; i < to; i++) if ((data[i] ?? 0x80) >= 0x80) return undefined;
  return data.toString("latin1", from, to);
}

type Field = (tag: number, value: number, at: number, end: number) => boolean;

/**
 * Walks the fields of data[from, to), handing each to `field` (for a length-delimited one `value`
 * is its length and [at, end) its body); false when a field is malformed or `field` refuses it.
 */
function walk(data: Buffer, from: number, to: number, field: Field): boolean {
  let pos = from;
  while (pos < to) {
    const t = readVarint(data, pos);
    if (!t || t[0] > 0x7f) return false;
    const v = readVarint(data, t[1]);
    if (!v) return false;
    if ((t[0] & 7) === DELIMITED) {
      const end = v[1] + v[0];
      if (end > to || !field(t[0], v[0], v[1], end)) return false;
      pos = end;
    } else if ((t[0] & 7) === VARINT) {
      if (!field(t[0], v[0], v[1], v[1])) return false;
      pos = v[1];
    } else return false;
  }
  return pos === to;
}

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
  const ok = walk(data, from, to, (t, value, at, end) => {
    switch (t) {
      case tag(1, DELIMITED): {
        const s = ascii(data, at, end);
        if (s === undefined) return false;
        m.model = s;
        return true;
      }
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
      case tag(5, DELIMITED): {
        const s = ascii(data, at, end);
        if (s === undefined) return false;
        m.accountId = s;
        return true;
      }
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
  const ok = walk(data, from, to, (t, _value, at, end) => {
    switch (t) {
      case tag(1, DELIMITED): {
        const s = ascii(data, at, end);
        if (s === undefined) return false;
        r.requestId = s;
        return true;
      }
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
  const ok = walk(data, 0, data.length, (t, _value, at, end) => {
    switch (t) {
      case tag(1, DELIMITED): {
        const s = ascii(data, at, end);
        if (s === undefined) return false;
        r.providerId = s;
        return true;
      }
      case tag(2, DELIMITED):
        if (r.request) return false;
        {
          const request = decodeRequest(data, at, end);
          if (request) r.request = request;
          return request !== undefined;
        }
      case tag(3, DELIMITED): {
        const s = ascii(data, at, end);
        if (s === undefined) return false;
        r.originReplicaId = s;
        return true;
      }
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
