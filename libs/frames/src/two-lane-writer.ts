import type { ProviderFrame } from "@darkbloom/proto";
import { encodeFrame } from "./codec.js";
import { laneOf, type Lane } from "./lane.js";

/** The part of a `ws` WebSocket the writer needs; a callback per send tells when it hit the wire. */
export interface FrameSocket {
  send(data: Uint8Array, options: { binary: true }, cb: (err?: Error) => void): void;
  terminate(): void;
}

export class WriterClosedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WriterClosedError";
  }
}

interface Pending {
  bytes: Uint8Array;
  resolve: () => void;
  reject: (err: Error) => void;
}

export type WriterState = "open" | "closed";

export interface TwoLaneWriterOptions {
  /** A write not on the wire after this long closes the socket. */
  writeTimeoutMs: number;
  onStall?: () => void;
}

/**
 * Serialises writes to one socket: control frames strictly before data frames, FIFO within a lane,
 * one write in flight at a time, and a watchdog that terminates the socket when a write stalls.
 */
export class TwoLaneWriter {
  private readonly lanes: Record<Lane, Pending[]> = { control: [], data: [] };
  private inFlight: Pending | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private stateValue: WriterState = "open";

  constructor(
    private readonly socket: FrameSocket,
    private readonly options: TwoLaneWriterOptions,
  ) {}

  get state(): WriterState {
    return this.stateValue;
  }

  get queued(): number {
    return this.lanes.control.length + this.lanes.data.length + (this.inFlight ? 1 : 0);
  }

  /** Resolves when the frame has been handed to the socket; rejects if the writer closes first. */
  write(frame: ProviderFrame, lane: Lane = laneOf(frame)): Promise<void> {
    if (this.stateValue === "closed")
      return Promise.reject(new WriterClosedError("writer is closed"));
    return new Promise<void>((resolve, reject) => {
      this.lanes[lane].push({ bytes: encodeFrame(frame), resolve, reject });
      this.pump();
    });
  }

  /** Rejects everything queued; the socket itself is the caller's to close. */
  close(reason = "writer closed"): void {
    if (this.stateValue === "closed") return;
    this.stateValue = "closed";
    clearTimeout(this.watchdog);
    const err = new WriterClosedError(reason);
    const pending = [
      ...(this.inFlight ? [this.inFlight] : []),
      ...this.lanes.control,
      ...this.lanes.data,
    ];
    this.inFlight = undefined;
    this.lanes.control.length = 0;
    this.lanes.data.length = 0;
    for (const p of pending) p.reject(err);
  }

  private pump(): void {
    if (this.inFlight || this.stateValue === "closed") return;
    const next = this.lanes.control.shift() ?? this.lanes.data.shift();
    if (!next) return;
    this.inFlight = next;
    this.watchdog = setTimeout(() => this.stalled(), this.options.writeTimeoutMs);
    try {
      this.socket.send(next.bytes, { binary: true }, (err) => this.written(next, err));
    } catch (err) {
      this.written(next, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private written(p: Pending, err: Error | undefined): void {
    if (this.inFlight !== p) return;
    clearTimeout(this.watchdog);
    this.inFlight = undefined;
    if (err) {
      p.reject(new WriterClosedError("socket write failed", { cause: err }));
      this.close("socket write failed");
      return;
    }
    p.resolve();
    this.pump();
  }

  private stalled(): void {
    this.close(`write stalled for ${this.options.writeTimeoutMs} ms`);
    this.options.onStall?.();
    this.socket.terminate();
  }
}
