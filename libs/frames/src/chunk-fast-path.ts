import type { Chunk, ProviderFrame } from "@darkbloom/proto";
import { readAscii, readVarint, varintSize } from "./protobuf-wire.js";

// ProviderFrame.chunk is field 4, Chunk's fields 1..4 (proto/darkbloom/v1/provider.proto).
const CHUNK_TAG = (4 << 3) | 2;
const REQUEST_ID_TAG = (1 << 3) | 2;
const SEQUENCE_TAG = 2 << 3;
const PAYLOAD_TAG = (3 << 3) | 2;
const TOKEN_COUNT_TAG = 4 << 3;

/**
 * Decodes the frame a provider sends most (a Chunk: request id, sequence, sealed payload, token
 * count) without the reflective decoder, into the same message `fromBinary` would build (the
 * payload a view of `data`, as there). Anything unusual returns undefined (see `readChunk`) and
 * the caller uses the full decoder, which decides.
 */
export function decodeChunkFrame(data: Uint8Array): ProviderFrame | undefined {
  if (data[0] !== CHUNK_TAG) return undefined;
  const chunk = readChunk(data, 1);
  return (
    chunk && { $typeName: "darkbloom.v1.ProviderFrame", kind: { case: "chunk", value: chunk } }
  );
}

/**
 * The Chunk whose length is at `at` and whose body runs to the end of `data`, as `fromBinary`
 * reads it; undefined for anything unusual — an unknown or repeated-as-other-type field, a
 * non-ASCII request id, a varint beyond 32 bits or not in its shortest form, a length that does
 * not add up. Shared by the provider socket and the peers' forwarded chunks.
 */
export function readChunk(data: Uint8Array, at: number): Chunk | undefined {
  const end = data.length;
  const len = readVarint(data, at);
  let pos = at + varintSize(len);
  if (len < 0 || pos + len !== end) return undefined;
  let requestId = "";
  let sequence = 0;
  let tokenCount = 0;
  let payload: Uint8Array | undefined;
  while (pos < end) {
    const tag = data[pos++];
    const v = readVarint(data, pos);
    if (v < 0) return undefined;
    pos += varintSize(v);
    if (tag === SEQUENCE_TAG) sequence = v;
    else if (tag === TOKEN_COUNT_TAG) tokenCount = v;
    else if (tag === REQUEST_ID_TAG || tag === PAYLOAD_TAG) {
      if (pos + v > end) return undefined;
      if (tag === PAYLOAD_TAG) payload = data.subarray(pos, pos + v);
      else {
        const id = readAscii(data, pos, pos + v);
        if (id === undefined) return undefined;
        requestId = id;
      }
      pos += v;
    } else return undefined;
  }
  return {
    $typeName: "darkbloom.v1.Chunk",
    requestId,
    sequence,
    encryptedPayload: payload ?? new Uint8Array(0),
    tokenCount,
  };
}
