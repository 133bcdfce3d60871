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
 * States of the provider's one connection to the coordinator:
 * - connecting: socket opening, or open and waiting for RegisterAck;
 * - registered: RegisterAck received, frames flow both ways;
 * - backoff: the socket dropped; a reconnect is scheduled;
 * - closed: close() was called; nothing reconnects.
 */
export type ConnectionState =
  | { kind: "connecting"; attempt: number }
  | { kind: "registered"; providerId: string; heartbeatIntervalMs: number }
  | { kind: "backoff"; attempt: number; retryAtMs: number }
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
  /** The socket dropped (before a reconnect); in-flight work must be cancelled. */
  onDisconnected(reason: string): void;
}

export class CoordinatorConnection {
  private stateValue: ConnectionState = { kind: "connecting", attempt: 0 };
  private socket: WebSocket | undefined;
  private writer: TwoLaneWriter | undefined;
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

  start(): void {
    this.connect();
  }

  /** Sends a frame when registered; resolves when it is on the wire, rejects when not connected. */
  send(frame: ProviderFrame): Promise<void> {
    if (!this.writer || this.stateValue.kind !== "registered")
      return Promise.reject(new Error("not connected to the coordinator"));
    return this.writer.write(frame);
  }

  close(): void {
    if (this.stateValue.kind === "closed") return;
    this.stateValue = { kind: "closed" };
    clearTimeout(this.retryTimer);
    this.writer?.close("provider shutting down");
    this.socket?.close(1001, "provider shutting down");
    const s = this.socket;
    if (s) setTimeout(() => s.terminate(), 1000).unref();
  }

  private connect(): void {
    if (this.stateValue.kind === "closed") return;
    this.stateValue = { kind: "connecting", attempt: this.attempt };
    const socket = new WebSocket(this.options.url, { maxPayload: this.options.maxFrameBytes + 1 });
    this.socket = socket;
    const writer = new TwoLaneWriter(socket, { writeTimeoutMs: this.options.writeTimeoutMs });
    this.writer = writer;
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
      if (decoded.frame.kind.case === "keyProofChallenge") {
        this.options
          .proveKey(decoded.frame.kind.value)
          .then((proof) =>
            writer.write(create(ProviderFrameSchema, { kind: { case: "keyProof", value: proof } })),
          )
          .catch((err: unknown) => {
            this.log.warn("key proof failed", { error: String(err) });
          });
        return;
      }
      if (decoded.frame.kind.case === "registerAck") {
        const ack = decoded.frame.kind.value;
        this.attempt = 0;
        this.stateValue = {
          kind: "registered",
          providerId: ack.providerId,
          heartbeatIntervalMs: ack.heartbeatIntervalMs,
        };
        this.handlers.onRegistered(ack.providerId, ack.heartbeatIntervalMs);
        return;
      }
      this.handlers.onFrame(decoded.frame);
    });
    socket.on("error", (err) => this.log.debug("coordinator socket error", { error: err.message }));
    socket.on("close", (code, reason) =>
      this.dropped(socket, `closed (${code}${reason.length ? ` ${reason.toString()}` : ""})`),
    );
  }

  private dropped(socket: WebSocket, reason: string): void {
    if (socket !== this.socket) return;
    this.writer?.close(reason);
    this.writer = undefined;
    this.socket = undefined;
    const wasClosed = this.stateValue.kind === "closed";
    this.handlers.onDisconnected(reason);
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
