import { RoutingService } from "@darkbloom/proto";

/**
 * The gRPC wire (over h2c) of RoutingService.ForwardInfer, shared by the lean peer client and
 * server: length-prefixed messages (1 flag byte, 4-byte big-endian length), status in trailers.
 * Either side still talks to Connect's own gRPC client or server.
 */
export const FORWARD_INFER_PATH = `/${RoutingService.typeName}/${RoutingService.method.forwardInfer.name}`;
export const GRPC_CONTENT_TYPE = "application/grpc+proto";

/** `application/grpc` and `application/grpc+proto` (not grpc-web, not another codec). */
export function isGrpcProto(contentType: string | undefined): boolean {
  return contentType === "application/grpc" || contentType === GRPC_CONTENT_TYPE;
}

/** One uncompressed message in its 5-byte envelope. */
export function envelope(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/**
 * A message whose only field is a length-delimited field 1 holding `body` (ForwardInferResponse
 * around an already-encoded InferResponse), enveloped: one buffer, no second encode pass.
 */
export function envelopeField1(body: Uint8Array): Buffer {
  let n = body.length;
  let varintLength = 1;
  while (n >= 0x80) {
    n >>>= 7;
    varintLength++;
  }
  const messageLength = 1 + varintLength + body.length;
  const out = Buffer.allocUnsafe(5 + messageLength);
  out[0] = 0;
  out.writeUInt32BE(messageLength, 1);
  out[5] = 0x0a; // field 1, wire type 2
  let at = 6;
  for (n = body.length; n >= 0x80; n >>>= 7) out[at++] = (n & 0x7f) | 0x80;
  out[at++] = n;
  out.set(body, at);
  return out;
}

/** Splits a byte stream into enveloped messages, whatever the chunk boundaries. */
export class EnvelopeReader {
  private pending: Buffer | undefined;

  constructor(private readonly maxMessageBytes: number) {}

  /** The complete messages `chunk` finishes; throws on a compressed or oversized message. */
  push(chunk: Buffer): Buffer[] {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    while (buf.length >= 5) {
      if (buf[0] !== 0) throw new WireError("compressed or unknown message flags", 12);
      const length = buf.readUInt32BE(1);
      if (length > this.maxMessageBytes)
        throw new WireError(`message of ${length} bytes exceeds ${this.maxMessageBytes}`, 8);
      if (buf.length < 5 + length) break;
      out.push(buf.subarray(5, 5 + length));
      buf = buf.subarray(5 + length);
    }
    this.pending = buf.length > 0 ? buf : undefined;
    return out;
  }

  /** Bytes of a message that has not fully arrived (at the end of the stream: truncated). */
  get partial(): number {
    return this.pending?.length ?? 0;
  }
}

/** A gRPC status error on the wire (code as in google.rpc.Code, which Connect's Code mirrors). */
export class WireError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** grpc-message is percent-encoded (the gRPC HTTP/2 spec); decodeURIComponent reads it back. */
export function encodeGrpcMessage(message: string): string {
  return encodeURIComponent(message);
}

export function decodeGrpcMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
