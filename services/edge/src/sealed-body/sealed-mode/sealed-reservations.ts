import type { RequestClaim } from "../../http/request-id.js";
import {
  checkReservationToken,
  signReservationToken,
  type TokenReservation,
} from "./reservation-token.js";

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

export type TakeResult =
  | { ok: true; reservation: SealedReservation }
  | { ok: false; reason: "unknown" | "forged" | "expired" | "other_account" };

/**
 * Reservations made through `POST /v1/sealed/reserve`, taken once by the submit; bounded. With a
 * token secret (replicas as one network) the id handed out is a signed token, so a submit to any
 * replica can check it; the routing reservation inside it is still used once, where it was made.
 */
export class SealedReservations {
  private readonly byId = new Map<string, SealedReservation>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
    private readonly tokenSecret?: Uint8Array,
  ) {}

  /** Remembers the reservation; returns the id to hand out (a token when replicas share one). */
  add(r: TokenReservation): string {
    const id = this.tokenSecret ? signReservationToken(this.tokenSecret, r) : r.reservationId;
    this.byId.set(id, r);
    for (const [key, old] of this.byId) {
      if (this.byId.size <= this.maxEntries && old.expiresAtMs > this.now()) break;
      this.byId.delete(key);
    }
    return id;
  }

  /** The reservation if it exists, has not expired and belongs to `accountId`; removed either way. */
  take(id: string, accountId: string): TakeResult {
    const r = this.byId.get(id);
    if (r) {
      this.byId.delete(id);
      if (r.accountId !== accountId) return { ok: false, reason: "other_account" };
      return r.expiresAtMs > this.now()
        ? { ok: true, reservation: r }
        : { ok: false, reason: "expired" };
    }
    if (!this.tokenSecret) return { ok: false, reason: "unknown" };
    // Made on another replica: its signature, expiry and account say whether it is good here.
    const check = checkReservationToken(this.tokenSecret, id, accountId, this.now());
    if (check.ok) return { ok: true, reservation: check.reservation };
    return { ok: false, reason: check.reason === "not_a_token" ? "unknown" : check.reason };
  }
}
