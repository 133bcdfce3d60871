import { randomUUID } from "node:crypto";
import type { RoutingMetadata } from "@darkbloom/proto";

export interface Reservation {
  id: string;
  requestId: string;
  providerId: string;
  metadata: RoutingMetadata;
  expiresAtMs: number;
}

/**
 * A provider chosen for a request before the body is sealed to its key. A reservation is used
 * once; unused ones expire so they stop counting against the provider.
 */
export class Reservations {
  private readonly byId = new Map<string, Reservation>();

  constructor(private readonly ttlMs: number) {}

  create(
    requestId: string,
    providerId: string,
    metadata: RoutingMetadata,
    now = Date.now(),
  ): Reservation {
    this.sweep(now);
    const r: Reservation = {
      id: randomUUID(),
      requestId,
      providerId,
      metadata,
      expiresAtMs: now + this.ttlMs,
    };
    this.byId.set(r.id, r);
    return r;
  }

  /** Removes and returns a live reservation, or undefined when unknown or expired. */
  take(id: string, now = Date.now()): Reservation | undefined {
    const r = this.byId.get(id);
    this.byId.delete(id);
    return r && r.expiresAtMs > now ? r : undefined;
  }

  countFor(providerId: string, now = Date.now()): number {
    let n = 0;
    for (const r of this.byId.values()) if (r.providerId === providerId && r.expiresAtMs > now) n++;
    return n;
  }

  dropProvider(providerId: string): void {
    for (const [id, r] of this.byId) if (r.providerId === providerId) this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }

  private sweep(now: number): void {
    for (const [id, r] of this.byId) if (r.expiresAtMs <= now) this.byId.delete(id);
  }
}
