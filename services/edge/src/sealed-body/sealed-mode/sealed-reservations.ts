import type { RequestClaim } from "../../http/request-id.js";

/** What the edge remembers between a sealed-mode reserve and its submit (billing metadata only). */
export interface SealedReservation {
  reservationId: string;
  /** The coordinator's id of the request (the reserve's claim id), never the client's. */
  requestId: string;
  /** The reserve's claim of the consumer's x-request-id, which the submit's hold makes. */
  claim: RequestClaim;
  accountId: string;
  model: string;
  estimatedPromptTokens: number;
  maxTokens: number;
  expiresAtMs: number;
}

/** Reservations made through `POST /v1/sealed/reserve`, taken once by the submit; bounded. */
export class SealedReservations {
  private readonly byId = new Map<string, SealedReservation>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(r: SealedReservation): void {
    this.byId.set(r.reservationId, r);
    for (const [id, old] of this.byId) {
      if (this.byId.size <= this.maxEntries && old.expiresAtMs > this.now()) break;
      this.byId.delete(id);
    }
  }

  /** The reservation if it exists, has not expired and belongs to `accountId`; removed either way. */
  take(reservationId: string, accountId: string): SealedReservation | undefined {
    const r = this.byId.get(reservationId);
    if (!r) return undefined;
    this.byId.delete(reservationId);
    return r.accountId === accountId && r.expiresAtMs > this.now() ? r : undefined;
  }
}
