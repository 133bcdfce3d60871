import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { ProviderFrameSchema, type ProviderFrame } from "@darkbloom/proto";
import { decodeChunkFrame } from "./chunk-fast-path.js";
import { encodeInferenceRequestFrame } from "./inference-request-frame.js";
import { decodeReplyFrame } from "./reply-fast-path.js";

/** Largest frame either side accepts; one byte more is refused before decoding. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;

export type FrameKind = NonNullable<ProviderFrame["kind"]["case"]>;

export type DecodeResult =
  | { ok: true; frame: ProviderFrame; kind: FrameKind }
  | { ok: false; reason: "too_large" | "malformed" | "empty"; message: string };

/** A frame's bytes: the per-request InferenceRequest written directly, any other by `toBinary`. */
export function encodeFrame(frame: ProviderFrame): Uint8Array {
  return encodeInferenceRequestFrame(frame) ?? toBinary(ProviderFrameSchema, frame);
}

/** Decodes one WebSocket message into a frame, never throwing. */
export function decodeFrame(
  data: Uint8Array,
  maxBytes: number = DEFAULT_MAX_FRAME_BYTES,
): DecodeResult {
  if (data.byteLength > maxBytes) {
    return {
      ok: false,
      reason: "too_large",
      message: `frame of ${data.byteLength} bytes exceeds ${maxBytes}`,
    };
  }
  // the frames every request brings (chunks, accepted, complete, error) skip the reflective decoder
  const fast = decodeChunkFrame(data) ?? decodeReplyFrame(data);
  if (fast?.kind.case) return { ok: true, frame: fast, kind: fast.kind.case };
  let frame: ProviderFrame;
  try {
    frame = fromBinary(ProviderFrameSchema, data);
  } catch (err) {
    return {
      ok: false,
      reason: "malformed",
      message: err instanceof Error ? err.message : String(err),
    };
  }
  const kind = frame.kind.case;
  if (kind === undefined)
    return { ok: false, reason: "empty", message: "frame carries no message" };
  return { ok: true, frame, kind };
}

/** Turns whatever `ws` hands to a message listener into one byte array. */
export function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
