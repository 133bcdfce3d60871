import { EventEmitter } from "node:events";
import type { WebSocket } from "ws";

/**
 * An in-memory stand-in for a `ws` server socket, for driving thousands of ProviderSessions
 * through connect/register/disconnect quickly. Frames the session sends are kept in `sent`.
 */
export class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readonly CONNECTING = 0;
  readyState = 1;
  sent = 0;
  /** The last frame the session sent (bytes). */
  lastSent: Uint8Array | undefined;
  /** false: pings get no pong (a frozen provider). */
  answersPings = true;

  send(data: Uint8Array, _options: { binary: true }, cb: (err?: Error) => void): void {
    this.sent++;
    this.lastSent = data;
    cb();
  }

  ping(_data: unknown, _mask: unknown, cb: (err?: Error) => void): void {
    cb();
    if (this.answersPings) setImmediate(() => this.emit("pong"));
  }

  /** A frame arriving from the provider. */
  receive(bytes: Uint8Array): void {
    this.emit("message", Buffer.from(bytes), true);
  }

  terminate(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit("close");
  }

  asWebSocket(): WebSocket {
    return this as unknown as WebSocket;
  }
}
