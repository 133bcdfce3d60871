/** What the edge remembers between a sealed-mode reserve and its submit (billing metadata only). */
export interface SealedReservation {
  reservationId: string;
  requestId: string;
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
