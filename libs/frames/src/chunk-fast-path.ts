import { latin1String } from "@darkbloom/crypto";
import type { Chunk, ProviderFrame } from "@darkbloom/proto";

// ProviderFrame.chunk is field 4, Chunk's fields 1..4 (proto/darkbloom/v1/provider.proto).
const CHUNK_TAG = (4 << 3) | 2;
const REQUEST_ID_TAG = (1 << 3) | 2;
const SEQUENCE_TAG = 2 << 3;
const PAYLOAD_TAG = (3 << 3) | 2;
const TOKEN_COUNT_TAG = 4 << 3;

/**
 * Decodes the frame a provider sends most (a Chunk: request id, sequence, sealed payload, token
 * count) without the reflective decoder, into the same message `fromBinary` would build (the
 * payload a view of `data`, as there). Anything unusual — another frame kind, an unknown or
 * repeated-as-other-type field, a non-ASCII request id, a varint beyond 32 bits, a length that
 * does not add up — returns undefined and the caller uses the full decoder, which decides.
 */
export function decodeChunkFrame(data: Uint8Array): ProviderFrame | undefined {
  const end = data.length;
  if (end < 2 || data[0] !== CHUNK_TAG) return undefined;
  let pos = 1;
  let len = 0;
  let shift = 0;
  for (;;) {
    const b = data[pos++];
    if (b === undefined || shift > 28) return undefined;
    len |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  if (len < 0 || pos + len !== end) return undefined;
  let requestId = "";
  let sequence = 0;
  let tokenCount = 0;
  let payload: Uint8Array | undefined;
  while (pos < end) {
    const tag = data[pos++];
    if (tag === SEQUENCE_TAG || tag === TOKEN_COUNT_TAG) {
      let v = 0;
      let s = 0;
      for (;;) {
        const b = data[pos++];
        if (b === undefined || s > 28) return undefined;
        v += (b & 0x7f) * 2 ** s;
        if (b < 0x80) break;
        s += 7;
      }
      if (v > 0xffffffff) return undefined;
      if (tag === SEQUENCE_TAG) sequence = v;
      else tokenCount = v;
    } else if (tag === REQUEST_ID_TAG || tag === PAYLOAD_TAG) {
      let n = 0;
      let s = 0;
      for (;;) {
        const b = data[pos++];
        if (b === undefined || s > 21) return undefined;
        n |= (b & 0x7f) << s;
        if (b < 0x80) break;
        s += 7;
      }
      if (pos + n > end) return undefined;
      if (tag === PAYLOAD_TAG) payload = data.subarray(pos, pos + n);
      else {
        for (let i = pos; i < pos + n; i++) if ((data[i] ?? 0x80) >= 0x80) return undefined;
        requestId = latin1String(data, pos, pos + n);
      }
      pos += n;
    } else return undefined;
  }
  const chunk: Chunk = {
    $typeName: "darkbloom.v1.Chunk",
    requestId,
    sequence,
    encryptedPayload: payload ?? new Uint8Array(0),
    tokenCount,
  };
  return { $typeName: "darkbloom.v1.ProviderFrame", kind: { case: "chunk", value: chunk } };
}
