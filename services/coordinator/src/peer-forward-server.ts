import http2 from "node:http2";
import { ConnectError } from "@connectrpc/connect";
import type { ForwardInferRequest, InferResponse } from "@darkbloom/proto";
import type { ForwardSink } from "@darkbloom/routing";
import { encodeInferResponse } from "./peer-chunk-codec.js";
import {
  EnvelopeReader,
  FORWARD_INFER_PATH,
  GRPC_CONTENT_TYPE,
  WireError,
  encodeGrpcMessage,
  envelopeField1,
  isGrpcProto,
} from "./peer-grpc-wire.js";
import { decodeForwardInferRequest } from "./peer-request-decode.js";
import { PEER_SECRET_HEADER, type PeerSecretCheck } from "./peer-secret.js";

const UNAUTHENTICATED = 16;
const INVALID_ARGUMENT = 3;
const RESPONSE_HEADERS = { ":status": 200, "content-type": GRPC_CONTENT_TYPE };
const OK_TRAILERS = { "grpc-status": "0" };

export interface PeerForwardServerOptions {
  secret: PeerSecretCheck;
  /** Dispatches the forwarded request here (routing's forwardInferTo); returns its cancel. */
  forward(req: ForwardInferRequest, sink: ForwardSink): () => void;
  maxRequestBytes: number;
}

/**
 * The owner replica's side of RoutingService.ForwardInfer on the bare HTTP/2 stream, ahead of
 * Node's compatibility request and response objects and Connect's handler (whose per-call
 * headers, signals, interceptors and per-message async iterables cost several ms of CPU per
 * forwarded request): checks the peer secret as soon as the headers arrive, dispatches the request
 * as soon as its one message is in (the peer's half-close may follow), answers with the response
 * headers at once — while the provider works, off the path to the first token — and writes the
 * session's events as they come, the events produced in one turn of the event loop in one write.
 * Same gRPC wire as Connect's. Returns false for any other path or content type (Connect serves
 * those).
 */
export function createPeerForwardServer(
  options: PeerForwardServerOptions,
): (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean {
  return (stream, headers) => {
    if (headers[":path"] !== FORWARD_INFER_PATH || headers[":method"] !== "POST") return false;
    if (!isGrpcProto(headers["content-type"])) return false;
    serve(options, headers, stream);
    return true;
  };
}

const ONE_MESSAGE = "expected exactly one request message";

function serve(
  options: PeerForwardServerOptions,
  headers: http2.IncomingHttpHeaders,
  stream: http2.ServerHttp2Stream,
): void {
  // a peer's reset or a write after close: the stream's own close handling covers it
  stream.on("error", () => undefined);
  const given = headers[PEER_SECRET_HEADER];
  if (!options.secret.matches(typeof given === "string" ? given : "")) {
    stream.resume();
    return trailersOnly(stream, UNAUTHENTICATED, "this method answers only to a peer replica");
  }
  const reader = new EnvelopeReader(options.maxRequestBytes);
  let call: Relay | undefined;
  let refused = false;
  const refuse = (code: number, message: string): void => {
    if (call) return call.fail(code, message);
    refused = true;
    trailersOnly(stream, code, message);
  };
  stream.on("data", (chunk: Buffer) => {
    if (refused) return;
    let messages: Buffer[];
    try {
      messages = reader.push(chunk);
    } catch (err) {
      const e = err as WireError;
      return refuse(e.code, e.message);
    }
    if (call) {
      if (messages.length > 0 || reader.partial > 0) refuse(INVALID_ARGUMENT, ONE_MESSAGE);
      return;
    }
    const [message] = messages;
    if (!message) return;
    if (messages.length > 1 || reader.partial > 0) return refuse(INVALID_ARGUMENT, ONE_MESSAGE);
    let req: ForwardInferRequest;
    try {
      req = decodeForwardInferRequest(message);
    } catch (err) {
      return refuse(INVALID_ARGUMENT, `bad request message: ${String(err)}`);
    }
    call = relay(options, req, stream);
    if (!call) refused = true;
  });
  stream.once("end", () => {
    if (!call && !refused) refuse(INVALID_ARGUMENT, ONE_MESSAGE);
  });
}

/** A dispatched call: `fail` ends it with an error status (the request cancelled at the owner). */
interface Relay {
  fail(code: number, message: string): void;
}

function relay(
  options: PeerForwardServerOptions,
  req: ForwardInferRequest,
  stream: http2.ServerHttp2Stream,
): Relay | undefined {
  let pending: Buffer[] = [];
  let flushQueued = false;
  let ended = false;
  let trailers: http2.OutgoingHttpHeaders = OK_TRAILERS;
  // the status goes in the trailers, whenever the call ends
  const answer = (): void => {
    if (stream.headersSent || stream.destroyed) return;
    stream.once("wantTrailers", () => stream.sendTrailers(trailers));
    stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  };
  const flush = (): void => {
    flushQueued = false;
    if (pending.length === 0 || stream.destroyed) return;
    answer();
    stream.write(pending.length === 1 ? pending[0] : Buffer.concat(pending));
    pending = [];
  };
  const finish = (): void => {
    if (stream.destroyed) return;
    answer();
    stream.end(); // the trailers follow ('wantTrailers')
  };
  const sink: ForwardSink = {
    event(event: InferResponse) {
      if (ended || stream.destroyed) return;
      pending.push(envelopeField1(encodeInferResponse(event)));
      // the events the provider's socket delivered in this turn go out in one write, before the
      // event loop moves on (a microtask, not a later phase of the loop)
      if (!flushQueued) {
        flushQueued = true;
        queueMicrotask(flush);
      }
    },
    end() {
      if (ended) return;
      ended = true;
      flush();
      finish();
    },
  };
  let cancel: () => void;
  try {
    cancel = options.forward(req, sink);
  } catch (err) {
    const e = ConnectError.from(err);
    trailersOnly(stream, e.code, e.rawMessage);
    return undefined;
  }
  answer();
  const stop = (): void => {
    if (ended) return;
    ended = true;
    pending = [];
    cancel();
  };
  // The peer closed the stream first (its consumer left, another provider won, it died).
  stream.once("close", stop);
  return {
    fail(code, message) {
      if (ended) return;
      stop();
      trailers = { "grpc-status": String(code), "grpc-message": encodeGrpcMessage(message) };
      finish();
    },
  };
}

/** A response of headers only carrying the status (gRPC's "trailers-only"). */
function trailersOnly(stream: http2.ServerHttp2Stream, code: number, message: string): void {
  if (stream.destroyed || stream.headersSent) {
    if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  stream.respond(
    {
      ":status": 200,
      "content-type": GRPC_CONTENT_TYPE,
      "grpc-status": String(code || 0),
      ...(message ? { "grpc-message": encodeGrpcMessage(message) } : {}),
    },
    { endStream: true },
  );
}
