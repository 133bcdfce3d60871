// Sealed mode across replicas: a reservation made on one replica is submitted on another, so its
// id is a token signed with a key every replica derives from the shared peer secret.
import { createHmac } from "node:crypto";

/** The sealed reservation-token key of a network whose replicas share `peerSecret`. */
export function sealedReservationTokenKey(peerSecret: string): Uint8Array {
  return new Uint8Array(
    createHmac("sha256", peerSecret).update("sealed reservation tokens").digest(),
  );
}
