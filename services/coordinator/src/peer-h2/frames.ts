/** HTTP/2 framing (RFC 9113 §4, §6): the frame types, flags and codes the peer client uses. */

export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
} as const;

export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

export const DEFAULT_WINDOW = 65_535;
export const DEFAULT_MAX_FRAME = 16_384;
export const MAX_WINDOW = 2 ** 31 - 1;
const HEADER_BYTES = 9;

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** A whole frame: its 9-byte header and `payload`, in one buffer. */
export function frame(type: number, flags: number, streamId: number, payload?: Uint8Array): Buffer {
  const length = payload?.length ?? 0;
  const out = Buffer.allocUnsafe(HEADER_BYTES + length);
  out.writeUIntBE(length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId & 0x7fffffff, 5);
  if (payload) out.set(payload, HEADER_BYTES);
  return out;
}

export function settingsFrame(settings: readonly (readonly [id: number, value: number])[]): Buffer {
  const payload = Buffer.allocUnsafe(6 * settings.length);
  settings.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(increment, 0);
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}

export function rstStreamFrame(streamId: number, code: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(code, 0);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
}

export function goawayFrame(lastStreamId: number, code: number): Buffer {
  const payload = Buffer.allocUnsafe(8);
  payload.writeUInt32BE(lastStreamId, 0);
  payload.writeUInt32BE(code, 4);
  return frame(FrameType.GOAWAY, 0, 0, payload);
}

/** A violation of the protocol by the peer: the connection ends with GOAWAY carrying `code`. */
export class H2ProtocolError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** Splits the connection's byte stream into frames, whatever the read boundaries. */
export class FrameReader {
  private pending: Buffer | undefined;

  /** `maxFrameSize`: our SETTINGS_MAX_FRAME_SIZE; a longer frame is a FRAME_SIZE_ERROR. */
  constructor(private readonly maxFrameSize = DEFAULT_MAX_FRAME) {}

  push(chunk: Buffer): Frame[] {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Frame[] = [];
    while (buf.length >= HEADER_BYTES) {
      const length = buf.readUIntBE(0, 3);
      if (length > this.maxFrameSize)
        throw new H2ProtocolError(`frame of ${length} bytes`, ErrorCode.FRAME_SIZE_ERROR);
      if (buf.length < HEADER_BYTES + length) break;
      frames.push({
        type: buf[3] as number,
        flags: buf[4] as number,
        streamId: buf.readUInt32BE(5) & 0x7fffffff,
        payload: buf.subarray(HEADER_BYTES, HEADER_BYTES + length),
      });
      buf = buf.subarray(HEADER_BYTES + length);
    }
    this.pending = buf.length > 0 ? buf : undefined;
    return frames;
  }
}

/**
 * The content of a DATA or HEADERS payload without its padding (and, for HEADERS with the
 * PRIORITY flag, the 5 priority bytes).
 */
export function unpadded(f: Frame): Buffer {
  let p = f.payload;
  let padding = 0;
  if (f.flags & Flag.PADDED) {
    if (p.length < 1)
      throw new H2ProtocolError("padded frame without a pad length", ErrorCode.PROTOCOL_ERROR);
    padding = p[0] as number;
    p = p.subarray(1);
  }
  if (f.type === FrameType.HEADERS && f.flags & Flag.PRIORITY) {
    if (p.length < 5)
      throw new H2ProtocolError("HEADERS too short for its priority", ErrorCode.FRAME_SIZE_ERROR);
    p = p.subarray(5);
  }
  if (padding > p.length)
    throw new H2ProtocolError("padding longer than the frame", ErrorCode.PROTOCOL_ERROR);
  return p.subarray(0, p.length - padding);
}
