import { randomUUID } from "node:crypto";
import type { RoutingMetadata } from "@darkbloom/proto";

/** The replica that made a reservation, from its id (`<replica id>~<uuid>`); "" when unprefixed. */
export function reservationOwner(id: string): string {
  const at = id.indexOf("~");
  return at > 0 ? id.slice(0, at) : "";
}

export interface Reservation {
  id: string;
  requestId: string;
  providerId: string;
  /** Next-best providers the caller may also seal to (hedging and failover), best first. */
  alternates: readonly string[];
  metadata: RoutingMetadata;
  expiresAtMs: number;
}

/**
 * A provider chosen for a request before the body is sealed to its key. A reservation is used
 * once; unused ones expire so they stop counting against the provider. Indexed by provider so the
 * scheduler's per-provider counts are O(reservations of that provider).
 */
export class Reservations {
  private readonly byId = new Map<string, Reservation>();
  private readonly byProvider = new Map<string, Set<Reservation>>();
  /** Per provider, bumped on every create and removal (the router caches views on it). */
  private readonly epochs = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    /**
     * Prepended to every id: `<replica id>~` when replicas run as one network, so a peer handed
     * the id (a sealed reserve here, its submit there) knows which replica holds it.
     */
    private readonly idPrefix = "",
  ) {}

  /** Whether a reservation id was made here (by its prefix; ids without one are always ours). */
  ownsId(id: string): boolean {
    return this.idPrefix === "" || id.startsWith(this.idPrefix);
  }

  create(
    requestId: string,
    providerId: string,
    metadata: RoutingMetadata,
    now = Date.now(),
    alternates: readonly string[] = [],
  ): Reservation {
    this.sweep(now);
    const r: Reservation = {
      id: `${this.idPrefix}${randomUUID()}`,
      requestId,
      providerId,
      alternates,
      metadata,
      expiresAtMs: now + this.ttlMs,
    };
    this.byId.set(r.id, r);
    let set = this.byProvider.get(providerId);
    if (!set) this.byProvider.set(providerId, (set = new Set()));
    set.add(r);
    this.bump(providerId);
    return r;
  }

  /** Removes and returns a live reservation, or undefined when unknown or expired. */
  take(id: string, now = Date.now()): Reservation | undefined {
    const r = this.byId.get(id);
    if (r) this.remove(r);
    return r && r.expiresAtMs > now ? r : undefined;
  }

  /** Creates and removals for one provider so far; with countFor, says whether its set changed. */
  epochFor(providerId: string): number {
    return this.epochs.get(providerId) ?? 0;
  }

  private bump(providerId: string): void {
    this.epochs.set(providerId, this.epochFor(providerId) + 1);
  }

  /** Live reservations of one provider (counted in place: the router stamps views with it). */
  countFor(providerId: string, now = Date.now()): number {
    let n = 0;
    for (const r of this.byProvider.get(providerId) ?? []) if (r.expiresAtMs > now) n++;
    return n;
  }

  /** Live reservations of one provider for one model: their count and prompt + max tokens. */
  pendingFor(
    providerId: string,
    model: string,
    now = Date.now(),
  ): { requests: number; tokens: number } {
    let requests = 0;
    let tokens = 0;
    for (const r of this.liveFor(providerId, now)) {
      if (r.metadata.model !== model) continue;
      requests++;
      tokens += r.metadata.estimatedPromptTokens + r.metadata.maxTokens;
    }
    return { requests, tokens };
  }

  dropProvider(providerId: string): void {
    for (const r of this.byProvider.get(providerId) ?? []) this.byId.delete(r.id);
    this.byProvider.delete(providerId);
    this.epochs.delete(providerId);
  }

  get size(): number {
    return this.byId.size;
  }

  get providerCount(): number {
    return this.byProvider.size;
  }

  private liveFor(providerId: string, now: number): Reservation[] {
    const set = this.byProvider.get(providerId);
    return set ? [...set].filter((r) => r.expiresAtMs > now) : [];
  }

  private remove(r: Reservation): void {
    this.byId.delete(r.id);
    const set = this.byProvider.get(r.providerId);
    set?.delete(r);
    if (set?.size === 0) this.byProvider.delete(r.providerId);
    this.bump(r.providerId);
  }

  private sweep(now: number): void {
    for (const r of this.byId.values()) if (r.expiresAtMs <= now) this.remove(r);
  }
}
