import { create } from "@bufbuild/protobuf";
import { TwoLaneWriter, decodeFrame, toBytes } from "@darkbloom/frames";
import {
  ProviderFrameSchema,
  type KeyProof,
  type KeyProofChallenge,
  type ProviderFrame,
  type Register,
} from "@darkbloom/proto";
import type { Logger } from "@darkbloom/telemetry";
import WebSocket from "ws";

/**
 * States of the provider's connection to the coordinator:
 * - connecting: socket opening, or open and waiting for RegisterAck;
 * - registered: RegisterAck received, frames flow both ways;
 * - backoff: the socket dropped; a reconnect is scheduled;
 * - moving: the coordinator sent GoAway; a new connection opens at `retryAtMs` while requests
 *   already running finish on the old socket;
 * - closed: close() was called; nothing reconnects.
 */
export type ConnectionState =
  | { kind: "connecting"; attempt: number }
  | { kind: "registered"; providerId: string; heartbeatIntervalMs: number }
  | { kind: "backoff"; attempt: number; retryAtMs: number }
  | { kind: "moving"; retryAtMs: number }
  | { kind: "closed" };

export interface ConnectionOptions {
  url: string;
  /** Built fresh on every (re)connect so it carries current models and keys. */
  register: () => Register;
  /** Answers the coordinator's key proof (opened with the Register's X25519 secret key). */
  proveKey: (challenge: KeyProofChallenge) => Promise<KeyProof>;
  minBackoffMs: number;
  maxBackoffMs: number;
  writeTimeoutMs: number;
  maxFrameBytes: number;
  random?: () => number;
}

export interface ConnectionHandlers {
  onRegistered(providerId: string, heartbeatIntervalMs: number): void;
  onFrame(frame: ProviderFrame): void;
  /**
   * A socket dropped: the requests it carried (`lost`) must be cancelled. `current` is false for
   * an old socket kept after GoAway (the provider stays registered on its new one).
   */
  onDisconnected(reason: string, lost: readonly string[], current: boolean): void;
}

/** One WebSocket to a coordinator and the requests that arrived on it (answered on it too). */
interface Link {
  socket: WebSocket;
  writer: TwoLaneWriter;
  requests: Set<string>;
}

/** Frames about one request: they go back on the socket the request came in on. */
function requestIdOf(frame: ProviderFrame): string | undefined {
  const k = frame.kind;
  if (
    k.case === "inferenceAccepted" ||
    k.case === "chunk" ||
    k.case === "complete" ||
    k.case === "inferenceError"
  )
    return k.value.requestId;
  return undefined;
}

/**
 * The provider's connection to the coordinator, reconnecting with backoff. On GoAway (the replica
 * drains) it keeps the old socket for the requests already running there (their frames go back on
 * it; it closes once they are done), and opens a new connection to the same URL after the
 * jittered delay, where new requests arrive: a replica switch drops no request.
 */
export class CoordinatorConnection {
  private stateValue: ConnectionState = { kind: "connecting", attempt: 0 };
  private link: Link | undefined;
  /** Old sockets after GoAway, finishing their requests. */
  private readonly retiring = new Set<Link>();
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly handlers: ConnectionHandlers,
    private readonly log: Logger,
  ) {}

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Old sockets still open after GoAway (finishing their requests). */
  get retiringSockets(): number {
    return this.retiring.size;
  }

  start(): void {
    this.connect();
  }

  /**
   * Sends a frame; resolves when it is on the wire, rejects when not connected. Frames of a request
   * go on the socket the request arrived on (an old one after GoAway); heartbeats go on every open
   * socket (the old replica must not take a finishing provider for dead); the rest on the current.
   */
  send(frame: ProviderFrame): Promise<void> {
    const id = requestIdOf(frame);
    if (id !== undefined) {
      for (const link of this.retiring) if (link.requests.has(id)) return this.sendOn(link, frame);
    }
    if (frame.kind.case === "heartbeat")
      for (const link of this.retiring) link.writer.write(frame).catch(() => undefined);
    const link = this.link;
    if (!link || this.stateValue.kind !== "registered")
      return Promise.reject(new Error("not connected to the coordinator"));
    return this.sendOn(link, frame);
  }

  /** The daemon is done with a request (finished, failed or cancelled): an old socket may close. */
  release(requestId: string): void {
    this.link?.requests.delete(requestId);
    for (const link of this.retiring) {
      if (!link.requests.delete(requestId)) continue;
      if (link.requests.size === 0) this.retire(link);
    }
  }

  close(): void {
    if (this.stateValue.kind === "closed") return;
    this.stateValue = { kind: "closed" };
    clearTimeout(this.retryTimer);
    for (const link of [...this.retiring, ...(this.link ? [this.link] : [])]) {
      link.writer.close("provider shutting down");
      link.socket.close(1001, "provider shutting down");
      const s = link.socket;
      setTimeout(() => s.terminate(), 1000).unref();
    }
  }

  private sendOn(link: Link, frame: ProviderFrame): Promise<void> {
    const p = link.writer.write(frame);
    if (frame.kind.case === "complete" || frame.kind.case === "inferenceError") {
      const id = frame.kind.value.requestId;
      void p.finally(() => this.release(id)).catch(() => undefined);
    }
    return p;
  }

  private connect(): void {
    if (this.stateValue.kind === "closed") return;
    this.stateValue = { kind: "connecting", attempt: this.attempt };
    const socket = new WebSocket(this.options.url, { maxPayload: this.options.maxFrameBytes + 1 });
    const writer = new TwoLaneWriter(socket, { writeTimeoutMs: this.options.writeTimeoutMs });
    const link: Link = { socket, writer, requests: new Set() };
    this.link = link;
    socket.on("open", () => {
      writer
        .write(
          create(ProviderFrameSchema, {
            kind: { case: "register", value: this.options.register() },
          }),
        )
        .catch((err: unknown) => {
          this.log.warn("register write failed", { error: String(err) });
        });
    });
    socket.on("message", (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary) return;
      const decoded = decodeFrame(toBytes(data), this.options.maxFrameBytes);
      if (!decoded.ok) {
        this.log.warn("coordinator sent a bad frame", { reason: decoded.reason });
        return;
      }
      this.onMessage(link, decoded.frame);
    });
    socket.on("error", (err) => this.log.debug("coordinator socket error", { error: err.message }));
    socket.on("close", (code, reason) =>
      this.dropped(link, `closed (${code}${reason.length ? ` ${reason.toString()}` : ""})`),
    );
  }

  private onMessage(link: Link, frame: ProviderFrame): void {
    const kind = frame.kind;
    if (kind.case === "keyProofChallenge") {
      this.options
        .proveKey(kind.value)
        .then((proof) =>
          link.writer.write(
            create(ProviderFrameSchema, { kind: { case: "keyProof", value: proof } }),
          ),
        )
        .catch((err: unknown) => {
          this.log.warn("key proof failed", { error: String(err) });
        });
      return;
    }
    if (kind.case === "registerAck") {
      if (link !== this.link) return;
      const ack = kind.value;
      this.attempt = 0;
      this.stateValue = {
        kind: "registered",
        providerId: ack.providerId,
        heartbeatIntervalMs: ack.heartbeatIntervalMs,
      };
      this.handlers.onRegistered(ack.providerId, ack.heartbeatIntervalMs);
      return;
    }
    if (kind.case === "goAway") {
      if (link === this.link) this.moveOn(link, kind.value.reconnectDelayMs, kind.value.jitterMs);
      return;
    }
    if (kind.case === "inferenceRequest") link.requests.add(kind.value.requestId);
    this.handlers.onFrame(frame);
  }

  /** GoAway: the old socket finishes its requests; a new one opens after the jittered delay. */
  private moveOn(link: Link, delayMs: number, jitterMs: number): void {
    if (this.stateValue.kind === "closed") return;
    this.retiring.add(link);
    this.link = undefined;
    const random = this.options.random ?? Math.random;
    const delay = Math.round(delayMs + random() * jitterMs);
    this.stateValue = { kind: "moving", retryAtMs: Date.now() + delay };
    this.log.info("coordinator asked to move; reconnecting", {
      delayMs: delay,
      finishingOnOldSocket: link.requests.size,
    });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
    if (link.requests.size === 0) this.retire(link);
  }

  private retire(link: Link): void {
    link.writer.close("moved to another coordinator");
    link.socket.close(1000, "moved to another coordinator");
    const s = link.socket;
    setTimeout(() => s.terminate(), 1000).unref();
  }

  private dropped(link: Link, reason: string): void {
    link.writer.close(reason);
    const lost = [...link.requests];
    link.requests.clear();
    if (this.retiring.delete(link)) {
      this.handlers.onDisconnected(reason, lost, false);
      return;
    }
    if (link !== this.link) return;
    this.link = undefined;
    const wasClosed = this.stateValue.kind === "closed";
    this.handlers.onDisconnected(reason, lost, true);
    if (wasClosed) return;
    this.attempt++;
    const delay = backoffDelay(
      this.attempt,
      this.options.minBackoffMs,
      this.options.maxBackoffMs,
      this.options.random ?? Math.random,
    );
    this.stateValue = { kind: "backoff", attempt: this.attempt, retryAtMs: Date.now() + delay };
    this.log.info("coordinator connection lost; reconnecting", { reason, delayMs: delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}

/** Full-jitter exponential backoff. */
export function backoffDelay(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(minMs / 2 + random() * (ceiling - minMs / 2));
}
