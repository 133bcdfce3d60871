import { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Gauge } from "@darkbloom/telemetry";

/**
 * Counts the open connections of each client address that have not authenticated yet, so one
 * address cannot hold more than `maxPerAddress` of them (slowloris, idle floods). A connection
 * stops counting once a request on it authenticated or its provider registered; 0 = no cap.
 */
export class UnauthenticatedConnections {
  private readonly byAddress = new Map<string, number>();
  /** The address each counted connection is counted under. */
  private readonly counted = new WeakMap<Socket, string>();

  constructor(
    private readonly maxPerAddress: number,
    /** Set to the number of unauthenticated connections open. */
    private readonly gauge?: Gauge,
  ) {}

  /** Counts a new connection; false (not counted) when its address is already at the cap. */
  admit(socket: Socket): boolean {
    const address = addressOf(socket);
    const open = this.byAddress.get(address) ?? 0;
    if (this.maxPerAddress > 0 && open >= this.maxPerAddress) return false;
    this.byAddress.set(address, open + 1);
    this.counted.set(socket, address);
    socket.once("close", () => this.release(socket));
    this.gauge?.inc();
    return true;
  }

  /** The connection proved who it is: it no longer counts against its address. */
  authenticated(socket: Duplex): void {
    if (socket instanceof Socket) this.release(socket);
  }

  /** Unauthenticated connections open from the address (for tests and metrics). */
  openFrom(address: string): number {
    return this.byAddress.get(address) ?? 0;
  }

  private release(socket: Socket): void {
    const address = this.counted.get(socket);
    if (address === undefined) return;
    this.counted.delete(socket);
    this.gauge?.dec();
    const open = (this.byAddress.get(address) ?? 1) - 1;
    if (open > 0) this.byAddress.set(address, open);
    else this.byAddress.delete(address);
  }
}

/** The peer address, with IPv4-mapped IPv6 (::ffff:1.2.3.4) folded into IPv4. */
function addressOf(socket: Socket): string {
  const raw = socket.remoteAddress ?? "unknown";
  return raw.startsWith("::ffff:") ? raw.slice("::ffff:".length) : raw;
}
