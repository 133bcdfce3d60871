import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ForwardInferResponseSchema,
  InferResponseSchema,
  type ForwardInferResponse,
  type InferResponse,
} from "@darkbloom/proto";
import { readChunk, readVarint, varintSize, writeVarint } from "@darkbloom/frames";

// ForwardInferResponse.event is field 1, InferResponse.chunk field 2, Chunk's fields 1..4
// (proto/darkbloom/v1/routing.proto, provider.proto).
const EVENT_TAG = (1 << 3) | 2;
const CHUNK_TAG = (2 << 3) | 2;
const REQUEST_ID_TAG = (1 << 3) | 2;
const SEQUENCE_TAG = 2 << 3;
const PAYLOAD_TAG = (3 << 3) | 2;
const TOKEN_COUNT_TAG = 4 << 3;

const ASCII = /^[\x20-\x7e]*$/;

/**
 * The bytes of an InferResponse, as `toBinary` writes them: a relayed chunk (almost every event of
 * a forwarded stream) written directly, any other event — or a chunk with a non-ASCII request id —
 * by the reflective encoder. Proto3 omits zero and empty fields; so does this.
 */
export function encodeInferResponse(event: InferResponse): Uint8Array {
  if (event.kind.case !== "chunk") return toBinary(InferResponseSchema, event);
  const { requestId, sequence, encryptedPayload, tokenCount } = event.kind.value;
  if (!ASCII.test(requestId) || event.$unknown || event.kind.value.$unknown)
    return toBinary(InferResponseSchema, event);
  const id = requestId.length;
  const payload = encryptedPayload.length;
  const chunkLength =
    (id ? 1 + varintSize(id) + id : 0) +
    (sequence ? 1 + varintSize(sequence) : 0) +
    (payload ? 1 + varintSize(payload) + payload : 0) +
    (tokenCount ? 1 + varintSize(tokenCount) : 0);
  const out = new Uint8Array(1 + varintSize(chunkLength) + chunkLength);
  out[0] = CHUNK_TAG;
  let at = writeVarint(out, 1, chunkLength);
  if (id) {
    out[at++] = REQUEST_ID_TAG;
    at = writeVarint(out, at, id);
    for (let i = 0; i < id; i++) out[at++] = requestId.charCodeAt(i);
  }
  if (sequence) {
    out[at++] = SEQUENCE_TAG;
    at = writeVarint(out, at, sequence);
  }
  if (payload) {
    out[at++] = PAYLOAD_TAG;
    at = writeVarint(out, at, payload);
    out.set(encryptedPayload, at);
    at += payload;
  }
  if (tokenCount) {
    out[at++] = TOKEN_COUNT_TAG;
    writeVarint(out, at, tokenCount);
  }
  return out;
}

/**
 * Decodes a ForwardInferResponse as `fromBinary` would: one carrying a chunk without the
 * reflective decoder (the payload a view of `data`, as there); anything unusual — another event,
 * an unknown field, a non-ASCII request id, lengths that do not add up — by `fromBinary`.
 */
export function decodeForwardInferResponse(data: Uint8Array): ForwardInferResponse {
  return decodeChunk(data) ?? fromBinary(ForwardInferResponseSchema, data);
}

function decodeChunk(data: Uint8Array): ForwardInferResponse | undefined {
  if (data[0] !== EVENT_TAG) return undefined;
  const eventLength = readVarint(data, 1);
  const at = 1 + varintSize(eventLength);
  if (eventLength < 0 || at + eventLength !== data.length || data[at] !== CHUNK_TAG)
    return undefined;
  const chunk = readChunk(data, at + 1);
  return (
    chunk && {
      $typeName: "darkbloom.v1.ForwardInferResponse",
      event: { $typeName: "darkbloom.v1.InferResponse", kind: { case: "chunk", value: chunk } },
    }
  );
}
