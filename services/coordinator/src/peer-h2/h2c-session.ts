import net from "node:net";
import {
  DEFAULT_MAX_FRAME,
  DEFAULT_WINDOW,
  ErrorCode,
  Flag,
  type Frame,
  FrameReader,
  FrameType,
  H2ProtocolError,
  MAX_WINDOW,
  PREFACE,
  Setting,
  frame,
  goawayFrame,
  rstStreamFrame,
  settingsFrame,
  unpadded,
  windowUpdateFrame,
} from "./frames.js";
import { HeaderBlock, headerRecord } from "./header-block.js";
import { H2cStream, type StreamEnd, type StreamOwner } from "./h2c-stream.js";
import { HpackDecoder, HpackError, encodeHeaders } from "./hpack.js";
import { PeerSettings } from "./peer-settings.js";

export interface H2cSessionOptions {
  /** Our receive window per stream (SETTINGS_INITIAL_WINDOW_SIZE). */
  streamWindow: number;
  /** Our receive window for the whole connection. */
  sessionWindow: number;
  /** Largest decoded header list accepted (SETTINGS_MAX_HEADER_LIST_SIZE). */
  maxHeaderListBytes?: number;
  /**
   * Most bytes we may have written that the peer has not read (default 16 MiB). A peer that
   * keeps sending frames we must answer (PING, SETTINGS) while it reads nothing would otherwise
   * grow our memory without bound; past this the connection ends.
   */
  maxUnreadBytes?: number;
}

export type RequestHeader = readonly [name: string, value: string, sensitive?: boolean];

const MAX_STREAM_ID = 2 ** 31 - 1;
const DEFAULT_MAX_UNREAD = 16 << 20;
const DEFAULT_MAX_HEADER_LIST = 64 << 10;

/**
 * A client HTTP/2 connection without TLS (h2c, prior knowledge), written for the peer-forwarding
 * hop: a frame is written to the socket when it is made, so a forwarded request leaves in the call
 * that sends it. Node's HTTP/2 sends a session's frames only in the event loop's check phase, after
 * whatever else the current turn runs.
 *
 * Implements what a client needs of RFC 9113: SETTINGS (ours sent with the preface, the peer's
 * applied and acknowledged), flow control both ways (the request body waits for window; received
 * data is acknowledged once half a window is used, as it is delivered at once), PING both ways,
 * GOAWAY (streams the peer will not process end as refused; no new stream after it),
 * RST_STREAM, HEADERS with CONTINUATION and padding, trailers. Server push is disabled. Any
 * protocol violation by the peer ends the connection with GOAWAY and every stream with `lost`.
 */
export class H2cSession implements StreamOwner {
  /** host:port of the peer, as the requests' :authority. */
  readonly authority: string;
  /** The connection closed or is going away: no new stream. */
  onGoaway: () => void = () => undefined;
  /** The connection is gone (every stream has ended). */
  onClose: () => void = () => undefined;

  private readonly socket: net.Socket;
  private readonly reader = new FrameReader(DEFAULT_MAX_FRAME);
  private readonly decoder: HpackDecoder;
  private readonly streams = new Map<number, H2cStream>();
  private nextStreamId = 1;
  private headerBlock: HeaderBlock | undefined;
  private readonly peer = new PeerSettings();
  private sendWindow = DEFAULT_WINDOW;
  private unacknowledged = 0;
  /** Streams with body bytes waiting for the connection's window. */
  private readonly blocked = new Set<H2cStream>();
  /** Frames made while a read is handled, written together at its end. */
  private batch: Buffer[] | undefined;
  private readonly pings = new Map<string, NodeJS.Timeout>();
  private pingCount = 0;
  private goingAway = false;
  private destroyed = false;

  constructor(
    url: string,
    private readonly options: H2cSessionOptions,
  ) {
    const { hostname, port, host } = new URL(url);
    this.authority = host;
    this.decoder = new HpackDecoder({ maxListBytes: options.maxHeaderListBytes });
    this.socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ""), port: Number(port || 80) });
    this.socket.setNoDelay(true);
    const settings: [number, number][] = [
      [Setting.ENABLE_PUSH, 0],
      [Setting.INITIAL_WINDOW_SIZE, options.streamWindow],
    ];
    if (options.maxHeaderListBytes !== undefined)
      settings.push([Setting.MAX_HEADER_LIST_SIZE, options.maxHeaderListBytes]);
    const parts = [PREFACE, settingsFrame(settings)];
    if (options.sessionWindow > DEFAULT_WINDOW)
      parts.push(windowUpdateFrame(0, options.sessionWindow - DEFAULT_WINDOW));
    this.socket.write(Buffer.concat(parts));
    this.socket.on("data", (chunk: Buffer) => this.receive(chunk));
    this.socket.on("error", (err) => this.destroy(err));
    this.socket.on("close", () => this.destroy(new Error("connection closed")));
  }

  /** No new stream can start here (going away, closed, or out of stream ids). */
  get closed(): boolean {
    return this.goingAway || this.destroyed;
  }

  /** Opens a stream with a HEADERS frame (written now); its body follows with `end`. */
  request(headers: readonly RequestHeader[]): H2cStream {
    if (this.closed) throw new Error("the connection is closed");
    if (this.streams.size >= this.peer.maxStreams)
      throw new Error(`the peer allows ${this.peer.maxStreams} concurrent streams`);
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    if (this.nextStreamId > MAX_STREAM_ID) this.goAway();
    const stream = new H2cStream(id, this.peer.initialWindow, this);
    this.streams.set(id, stream);
    this.write(this.headersFrames(id, encodeHeaders(headers)));
    return stream;
  }

  /** Sends a PING; no acknowledgement within `timeoutMs` destroys the connection. */
  ping(timeoutMs: number): void {
    if (this.destroyed) return;
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(++this.pingCount, 4);
    const key = payload.toString("hex");
    const timer = setTimeout(
      () => this.destroy(new Error("the peer did not answer a ping")),
      timeoutMs,
    );
    timer.unref();
    this.pings.set(key, timer);
    this.write(frame(FrameType.PING, 0, 0, payload));
  }

  /** Ends the connection now; open streams end as `lost`. */
  destroy(error: Error = new Error("the connection was closed")): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.goingAway = true;
    for (const timer of this.pings.values()) clearTimeout(timer);
    this.pings.clear();
    const open = [...this.streams.values()];
    this.streams.clear();
    this.blocked.clear();
    this.socket.destroy();
    this.onGoaway();
    for (const s of open) s.finish({ kind: "lost", error });
    this.onClose();
  }

  // StreamOwner

  sendData(stream: H2cStream): void {
    const frames: Buffer[] = [];
    this.dataFrames(stream, frames);
    this.write(frames);
  }

  reset(stream: H2cStream, code: number): void {
    if (!this.streams.has(stream.id)) return;
    this.write(rstStreamFrame(stream.id, code));
    this.close(stream, { kind: "reset", code, by: "us" });
  }

  // sending

  private write(frames: Buffer | Buffer[]): void {
    if (this.destroyed) return;
    const list = Array.isArray(frames) ? frames : [frames];
    if (list.length === 0) return;
    if (this.batch) {
      this.batch.push(...list);
      return;
    }
    this.socket.write(list.length === 1 ? (list[0] as Buffer) : Buffer.concat(list));
  }

  private headersFrames(streamId: number, block: Buffer): Buffer[] {
    const max = this.peer.maxFrame;
    if (block.length <= max) return [frame(FrameType.HEADERS, Flag.END_HEADERS, streamId, block)];
    const out = [frame(FrameType.HEADERS, 0, streamId, block.subarray(0, max))];
    for (let at = max; at < block.length; at += max) {
      const last = at + max >= block.length;
      const flags = last ? Flag.END_HEADERS : 0;
      out.push(frame(FrameType.CONTINUATION, flags, streamId, block.subarray(at, at + max)));
    }
    return out;
  }

  /** The DATA frames `stream`'s windows allow now; a stream left waiting on the connection is kept. */
  private dataFrames(stream: H2cStream, out: Buffer[]): void {
    while (!stream.localEnded && !stream.closed) {
      const room = Math.min(this.peer.maxFrame, stream.sendWindow, this.sendWindow);
      if (stream.pendingBytes > 0 && room <= 0) {
        if (this.sendWindow <= 0) this.blocked.add(stream);
        return;
      }
      const chunk = stream.takeBody(room);
      const last = stream.pendingBytes === 0 && stream.endQueued;
      if (chunk.length === 0 && !last) return;
      stream.sendWindow -= chunk.length;
      this.sendWindow -= chunk.length;
      out.push(frame(FrameType.DATA, last ? Flag.END_STREAM : 0, stream.id, chunk));
      if (last) {
        stream.localEnded = true;
        this.blocked.delete(stream);
        if (stream.remoteEnded) this.complete(stream);
      }
    }
  }

  private resumeBlocked(): void {
    const frames: Buffer[] = [];
    for (const s of [...this.blocked]) {
      this.blocked.delete(s);
      this.dataFrames(s, frames);
    }
    for (const s of this.streams.values()) if (s.pendingBytes > 0) this.dataFrames(s, frames);
    this.write(frames);
  }

  // receiving

  private receive(chunk: Buffer): void {
    if (this.destroyed) return;
    this.batch = [];
    try {
      for (const f of this.reader.push(chunk)) {
        this.handle(f);
        if (this.destroyed) return;
      }
      this.acknowledgeData();
    } catch (err) {
      this.fail(err);
    } finally {
      const out = this.batch;
      this.batch = undefined;
      if (out && out.length > 0 && !this.destroyed) this.write(out);
    }
    if (this.socket.writableLength > (this.options.maxUnreadBytes ?? DEFAULT_MAX_UNREAD))
      this.destroy(new Error("the peer does not read what it is sent"));
  }

  /** A connection error: GOAWAY with its code, then the connection ends. */
  private fail(err: unknown): void {
    const code =
      err instanceof H2ProtocolError
        ? err.code
        : err instanceof HpackError
          ? ErrorCode.COMPRESSION_ERROR
          : ErrorCode.INTERNAL_ERROR;
    const error = err instanceof Error ? err : new Error(String(err));
    if (!this.destroyed) this.socket.write(goawayFrame(this.nextStreamId - 2, code));
    this.destroy(new Error(`HTTP/2 protocol error from the peer: ${error.message}`));
  }

  private handle(f: Frame): void {
    if (this.headerBlock && f.type !== FrameType.CONTINUATION)
      throw new H2ProtocolError("a header block was interrupted", ErrorCode.PROTOCOL_ERROR);
    switch (f.type) {
      case FrameType.DATA:
        return this.onData(f);
      case FrameType.HEADERS:
        return this.onHeaders(f);
      case FrameType.CONTINUATION:
        return this.onContinuation(f);
      case FrameType.RST_STREAM:
        return this.onRstStream(f);
      case FrameType.SETTINGS:
        return this.onSettings(f);
      case FrameType.PING:
        return this.onPing(f);
      case FrameType.GOAWAY:
        return this.onGoawayFrame(f);
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(f);
      case FrameType.PUSH_PROMISE:
        throw new H2ProtocolError("PUSH_PROMISE with push disabled", ErrorCode.PROTOCOL_ERROR);
      default:
        // PRIORITY and unknown frame types carry nothing a client must act on
        if (f.type === FrameType.PRIORITY && f.payload.length !== 5 && f.streamId !== 0)
          return this.streamError(f.streamId, ErrorCode.FRAME_SIZE_ERROR);
        return;
    }
  }

  /** A stream we opened (false for one already closed); an id we never opened is a violation. */
  private known(streamId: number, what: string): H2cStream | undefined {
    if (streamId === 0 || streamId % 2 === 0 || streamId >= this.nextStreamId)
      throw new H2ProtocolError(
        `${what} on stream ${streamId}, never opened`,
        ErrorCode.PROTOCOL_ERROR,
      );
    return this.streams.get(streamId);
  }

  private onData(f: Frame): void {
    const stream = this.known(f.streamId, "DATA");
    const length = f.payload.length;
    if (length > this.options.sessionWindow - this.unacknowledged)
      throw new H2ProtocolError("DATA beyond the connection window", ErrorCode.FLOW_CONTROL_ERROR);
    this.unacknowledged += length;
    if (!stream) return; // reset by us; the connection's window still counts it
    if (stream.remoteEnded) return this.streamError(stream.id, ErrorCode.STREAM_CLOSED);
    if (!stream.responded)
      throw new H2ProtocolError("DATA before the response headers", ErrorCode.PROTOCOL_ERROR);
    if (length > this.options.streamWindow - stream.unacknowledged)
      return this.streamError(stream.id, ErrorCode.FLOW_CONTROL_ERROR);
    stream.unacknowledged += length;
    const body = unpadded(f);
    if (body.length > 0) stream.onData(body);
    if (f.flags & Flag.END_STREAM) this.remoteEnd(stream);
  }

  /** WINDOW_UPDATEs for what was delivered, once half a window is used (per stream, per connection). */
  private acknowledgeData(): void {
    const frames: Buffer[] = [];
    if (this.unacknowledged >= this.options.sessionWindow / 2) {
      frames.push(windowUpdateFrame(0, this.unacknowledged));
      this.unacknowledged = 0;
    }
    for (const s of this.streams.values())
      if (!s.remoteEnded && s.unacknowledged >= this.options.streamWindow / 2) {
        frames.push(windowUpdateFrame(s.id, s.unacknowledged));
        s.unacknowledged = 0;
      }
    this.write(frames);
  }

  private onHeaders(f: Frame): void {
    this.known(f.streamId, "HEADERS");
    const endStream = (f.flags & Flag.END_STREAM) !== 0;
    // joined HEADERS and CONTINUATION payloads: compressed, they are at most this many times the
    // decoded list's bytes we accept
    const max = 4 * (this.options.maxHeaderListBytes ?? DEFAULT_MAX_HEADER_LIST);
    this.headerBlock = new HeaderBlock(f.streamId, endStream, unpadded(f), max);
    if (f.flags & Flag.END_HEADERS) this.headerBlockDone();
  }

  private onContinuation(f: Frame): void {
    const block = this.headerBlock;
    if (!block || block.streamId !== f.streamId)
      throw new H2ProtocolError("CONTINUATION without its HEADERS", ErrorCode.PROTOCOL_ERROR);
    block.add(f.payload);
    if (f.flags & Flag.END_HEADERS) this.headerBlockDone();
  }

  private headerBlockDone(): void {
    const block = this.headerBlock as HeaderBlock;
    this.headerBlock = undefined;
    // decoded whatever the stream's state: the connection's HPACK table depends on every block
    const fields = this.decoder.decode(block.joined());
    const stream = this.streams.get(block.streamId);
    if (!stream) return;
    if (stream.remoteEnded) return this.streamError(stream.id, ErrorCode.STREAM_CLOSED);
    const headers = headerRecord(fields);
    if (!stream.responded) {
      const status = Number(headers[":status"]);
      if (status >= 100 && status < 200) {
        if (block.endStream) return this.streamError(stream.id, ErrorCode.PROTOCOL_ERROR);
        return; // informational: the response follows
      }
      stream.responded = true;
      stream.onResponse(headers);
    } else {
      if (!block.endStream) return this.streamError(stream.id, ErrorCode.PROTOCOL_ERROR);
      stream.onTrailers(headers);
    }
    if (block.endStream && !stream.closed) this.remoteEnd(stream);
  }

  private onRstStream(f: Frame): void {
    if (f.payload.length !== 4)
      throw new H2ProtocolError("RST_STREAM of the wrong size", ErrorCode.FRAME_SIZE_ERROR);
    const stream = this.known(f.streamId, "RST_STREAM");
    if (stream) this.close(stream, { kind: "reset", code: f.payload.readUInt32BE(0), by: "peer" });
  }

  private onSettings(f: Frame): void {
    if (f.streamId !== 0)
      throw new H2ProtocolError("SETTINGS on a stream", ErrorCode.PROTOCOL_ERROR);
    if (f.flags & Flag.ACK) {
      if (f.payload.length !== 0)
        throw new H2ProtocolError("SETTINGS ACK with a payload", ErrorCode.FRAME_SIZE_ERROR);
      return;
    }
    if (f.payload.length % 6 !== 0)
      throw new H2ProtocolError("SETTINGS of the wrong size", ErrorCode.FRAME_SIZE_ERROR);
    const delta = this.peer.apply(f.payload);
    for (const s of this.streams.values()) {
      s.sendWindow += delta;
      if (s.sendWindow > MAX_WINDOW)
        throw new H2ProtocolError("a stream window overflowed", ErrorCode.FLOW_CONTROL_ERROR);
    }
    this.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
    this.resumeBlocked();
  }

  private onPing(f: Frame): void {
    if (f.streamId !== 0) throw new H2ProtocolError("PING on a stream", ErrorCode.PROTOCOL_ERROR);
    if (f.payload.length !== 8)
      throw new H2ProtocolError("PING of the wrong size", ErrorCode.FRAME_SIZE_ERROR);
    if (!(f.flags & Flag.ACK)) return this.write(frame(FrameType.PING, Flag.ACK, 0, f.payload));
    const key = f.payload.toString("hex");
    clearTimeout(this.pings.get(key));
    this.pings.delete(key);
  }

  private onGoawayFrame(f: Frame): void {
    if (f.streamId !== 0) throw new H2ProtocolError("GOAWAY on a stream", ErrorCode.PROTOCOL_ERROR);
    if (f.payload.length < 8)
      throw new H2ProtocolError("GOAWAY too short", ErrorCode.FRAME_SIZE_ERROR);
    const last = f.payload.readUInt32BE(0) & 0x7fffffff;
    const code = f.payload.readUInt32BE(4);
    // streams above `last` were not and will not be processed: safe to retry elsewhere
    for (const s of [...this.streams.values()])
      if (s.id > last)
        this.forget(s, { kind: "reset", code: ErrorCode.REFUSED_STREAM, by: "peer" });
    this.goAway(code);
  }

  private goAway(code?: number): void {
    if (this.goingAway) return this.closeIfIdle();
    this.goingAway = true;
    this.onGoaway();
    if (code !== undefined && code !== ErrorCode.NO_ERROR && this.streams.size === 0)
      return this.destroy(new Error(`the peer went away (code ${code})`));
    this.closeIfIdle();
  }

  private onWindowUpdate(f: Frame): void {
    if (f.payload.length !== 4)
      throw new H2ProtocolError("WINDOW_UPDATE of the wrong size", ErrorCode.FRAME_SIZE_ERROR);
    const increment = f.payload.readUInt32BE(0) & 0x7fffffff;
    if (f.streamId === 0) {
      if (increment === 0)
        throw new H2ProtocolError("WINDOW_UPDATE of 0", ErrorCode.PROTOCOL_ERROR);
      this.sendWindow += increment;
      if (this.sendWindow > MAX_WINDOW)
        throw new H2ProtocolError("connection window overflowed", ErrorCode.FLOW_CONTROL_ERROR);
      return this.resumeBlocked();
    }
    const stream = this.known(f.streamId, "WINDOW_UPDATE");
    if (!stream) return;
    if (increment === 0) return this.streamError(stream.id, ErrorCode.PROTOCOL_ERROR);
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW)
      return this.streamError(stream.id, ErrorCode.FLOW_CONTROL_ERROR);
    if (stream.pendingBytes > 0) this.sendData(stream);
  }

  /** The peer ended its side; the stream is done once ours is, else we stop sending (CANCEL). */
  private remoteEnd(stream: H2cStream): void {
    stream.remoteEnded = true;
    if (stream.localEnded) return this.complete(stream);
    // a complete response before the whole request: nothing more to send (RFC 9113 §8.1)
    this.write(rstStreamFrame(stream.id, ErrorCode.CANCEL));
    this.complete(stream);
  }

  private complete(stream: H2cStream): void {
    this.close(stream, { kind: "done" });
  }

  /** A stream error: RST_STREAM to the peer, the stream ends as reset. */
  private streamError(streamId: number, code: number): void {
    const stream = this.streams.get(streamId);
    this.write(rstStreamFrame(streamId, code));
    if (stream) this.close(stream, { kind: "reset", code, by: "us" });
  }

  /** `stream` has ended: it leaves the connection, which closes if it was going away and idle. */
  private close(stream: H2cStream, end: StreamEnd): void {
    this.forget(stream, end);
    this.closeIfIdle();
  }

  private forget(stream: H2cStream, end: StreamEnd): void {
    this.streams.delete(stream.id);
    this.blocked.delete(stream);
    stream.finish(end);
  }

  private closeIfIdle(): void {
    if (this.goingAway && !this.destroyed && this.streams.size === 0) {
      this.socket.end();
      this.destroy(new Error("the connection went away"));
    }
  }
}
