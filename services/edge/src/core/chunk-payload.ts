import { fromBinary } from "@bufbuild/protobuf";
import { getTextEncoding } from "@bufbuild/protobuf/wire";
import { ChunkPayloadSchema, type ChunkPayload } from "@darkbloom/proto";

// ChunkPayload fields (proto/darkbloom/v1/inference.proto): text 1, token_count 2, tool_calls 3,
// prompt_tokens 4, stop_sequence 5.
const TEXT = (1 << 3) | 2;
const TOKEN_COUNT = 2 << 3;
const PROMPT_TOKENS = 4 << 3;
const STOP_SEQUENCE = (5 << 3) | 2;

/**
 * Decodes an opened chunk payload. A text-only payload (the usual chunk) is read directly; one
 * with tool calls, or anything unusual (unknown field, varint beyond 32 bits, invalid UTF-8, a
 * length that does not add up), goes through the reflective decoder, which decides — so the
 * result, and any error, are fromBinary's.
 */
export function decodeChunkPayload(bytes: Uint8Array): ChunkPayload {
  return fastChunkPayload(bytes) ?? fromBinary(ChunkPayloadSchema, bytes);
}

function fastChunkPayload(data: Uint8Array): ChunkPayload | undefined {
  const utf8 = getTextEncoding();
  let text = "";
  let tokenCount = 0;
  let promptTokens = 0;
  let stopSequence = "";
  let pos = 0;
  const end = data.length;
  while (pos < end) {
    const tag = data[pos++];
    let v = 0;
    let s = 0;
    for (;;) {
      const b = data[pos++];
      if (b === undefined || s > 28) return undefined;
      v += (b & 0x7f) * 2 ** s;
      if (b < 0x80) break;
      s += 7;
    }
    if (tag === TOKEN_COUNT || tag === PROMPT_TOKENS) {
      if (v > 0xffffffff) return undefined;
      if (tag === TOKEN_COUNT) tokenCount = v;
      else promptTokens = v;
    } else if (tag === TEXT || tag === STOP_SEQUENCE) {
      if (pos + v > end) return undefined;
      let str: string;
      try {
        str = utf8.decodeUtf8(data.subarray(pos, pos + v), true);
      } catch {
        return undefined;
      }
      if (tag === TEXT) text = str;
      else stopSequence = str;
      pos += v;
    } else return undefined;
  }
  return {
    $typeName: "darkbloom.v1.ChunkPayload",
    text,
    tokenCount,
    toolCalls: [],
    promptTokens,
    stopSequence,
  };
}
