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
 * and a watchdog that terminates the socket when a write stalls. Frames queued while a batch is on
 * its way leave together as the next batch, handed to the socket in one go (control lane first);
 * one batch is in flight at a time, so a control frame still jumps every data frame not yet sent.
 */
export class TwoLaneWriter {
  private readonly lanes: Record<Lane, Pending[]> = { control: [], data: [] };
  /** The batch handed to the socket; its frames before `written` are reported written. */
  private inFlight: Pending[] = [];
  private writtenCount = 0;
  /** When the socket last made progress (a batch left, or a frame of it was written). */
  private progressAt = 0;
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
    return (
      this.lanes.control.length + this.lanes.data.length + this.inFlight.length - this.writtenCount
    );
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
    this.watchdog = undefined;
    const err = new WriterClosedError(reason);
    const pending = [
      ...this.inFlight.slice(this.writtenCount),
      ...this.lanes.control,
      ...this.lanes.data,
    ];
    this.inFlight = [];
    this.writtenCount = 0;
    this.lanes.control.length = 0;
    this.lanes.data.length = 0;
    for (const p of pending) p.reject(err);
  }

  private pump(): void {
    if (this.inFlight.length > 0 || this.stateValue === "closed") return;
    const { control, data } = this.lanes;
    if (control.length === 0 && data.length === 0) return;
    const batch = control.length === 0 ? data.splice(0) : [...control.splice(0), ...data.splice(0)];
    this.inFlight = batch;
    this.writtenCount = 0;
    this.progressAt = Date.now();
    this.watch();
    for (const p of batch) {
      try {
        this.socket.send(p.bytes, { binary: true }, (err) => this.written(p, err));
      } catch (err) {
        this.written(p, err instanceof Error ? err : new Error(String(err)));
      }
      if (this.inFlight !== batch) return; // closed by a failed send
    }
  }

  /** One socket callback; `ws` reports a socket's writes in the order they were sent. */
  private written(p: Pending, err: Error | undefined): void {
    if (this.inFlight[this.writtenCount] !== p) return; // closed meanwhile (or reported twice)
    if (err) {
      this.writtenCount++;
      p.reject(new WriterClosedError("socket write failed", { cause: err }));
      this.close("socket write failed");
      return;
    }
    this.writtenCount++;
    this.progressAt = Date.now();
    p.resolve();
    if (this.writtenCount === this.inFlight.length) {
      this.inFlight = [];
      this.writtenCount = 0;
      this.pump();
    }
  }

  /**
   * One timer per writer rather than one per write: armed when a batch leaves, it checks on firing
   * whether a batch is in flight and the socket made no progress for the timeout (a stall), and
   * otherwise re-arms for the rest of the window while a batch is in flight.
   * Unref'd: a socket with a write outstanding keeps the process alive by itself.
   */
  private watch(): void {
    if (this.watchdog !== undefined) return;
    this.watchdog = setTimeout(() => this.check(), this.options.writeTimeoutMs);
    this.watchdog.unref();
  }

  private check(): void {
    this.watchdog = undefined;
    if (this.inFlight.length === 0 || this.stateValue === "closed") return;
    const waited = Date.now() - this.progressAt;
    if (waited >= this.options.writeTimeoutMs) return this.stalled();
    this.watchdog = setTimeout(() => this.check(), this.options.writeTimeoutMs - waited);
    this.watchdog.unref();
  }

  private stalled(): void {
    this.close(`write stalled for ${this.options.writeTimeoutMs} ms`);
    this.options.onStall?.();
    this.socket.terminate();
  }
}
