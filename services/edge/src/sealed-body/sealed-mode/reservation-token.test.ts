import { randomBytes } from "node:crypto";
import { expect } from "chai";
import {
  checkReservationToken,
  signReservationToken,
  type TokenReservation,
} from "./reservation-token.js";
import { SealedReservations } from "./sealed-reservations.js";

const secret = new Uint8Array(randomBytes(32));
const NOW = 1_700_000_000_000;
const reservation: TokenReservation = {
  reservationId: "replica-a~0f0e",
  requestId: "req_1",
  claim: {
    clientRequestId: "client-1",
    claimId: "req_1",
    requestFingerprint: new Uint8Array([1, 2, 3]),
  },
  accountId: "acct-1",
  model: "m",
  estimatedPromptTokens: 10,
  maxTokens: 20,
  expiresAtMs: NOW + 15_000,
  providerId: "p1",
  keyFingerprint: "ab12",
};

describe("sealed reservation tokens", () => {
  it("round-trips everything the submit bills and routes with", () => {
    const token = signReservationToken(secret, reservation);
    expect(checkReservationToken(secret, token, "acct-1", NOW)).to.deep.equal({
      ok: true,
      reservation,
    });
  });

  it("refuses a token signed with another secret or with a changed payload as forged", () => {
    const token = signReservationToken(secret, reservation);
    const other = new Uint8Array(randomBytes(32));
    expect(checkReservationToken(other, token, "acct-1", NOW)).to.deep.equal({
      ok: false,
      reason: "forged",
    });
    const [head, , signature] = token.split(".");
    const richer = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()),
        mt: 1,
      }),
    ).toString("base64url");
    expect(
      checkReservationToken(secret, `${head}.${richer}.${signature}`, "acct-1", NOW),
    ).to.deep.equal({
      ok: false,
      reason: "forged",
    });
  });

  it("refuses an expired token and another account's token", () => {
    const token = signReservationToken(secret, reservation);
    expect(checkReservationToken(secret, token, "acct-1", NOW + 15_000)).to.deep.equal({
      ok: false,
      reason: "expired",
    });
    expect(checkReservationToken(secret, token, "acct-2", NOW)).to.deep.equal({
      ok: false,
      reason: "other_account",
    });
  });

  it("lets a second replica (another SealedReservations with the same key) take a reservation made on the first", () => {
    const a = new SealedReservations(10, () => NOW, secret);
    const b = new SealedReservations(10, () => NOW, secret);
    const id = a.add(reservation);
    expect(b.take(id, "acct-1")).to.deep.equal({ ok: true, reservation });
    // On the replica that made it, it is taken once.
    expect(a.take(id, "acct-1").ok).to.equal(true);
    expect(a.take(reservation.reservationId, "acct-1")).to.deep.equal({
      ok: false,
      reason: "unknown",
    });
  });

  it("hands out the plain id when replicas share no key (a single coordinator)", () => {
    const single = new SealedReservations(10, () => NOW);
    expect(single.add(reservation)).to.equal(reservation.reservationId);
    expect(single.take("srt1.forged.token", "acct-1")).to.deep.equal({
      ok: false,
      reason: "unknown",
    });
  });
});
