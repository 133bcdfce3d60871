import type { ProviderFrame } from "@darkbloom/proto";

export type Lane = "control" | "data";

/** Control frames jump ahead of queued data so challenges and cancels are never stuck behind chunks. */
export function laneOf(frame: ProviderFrame): Lane {
  switch (frame.kind.case) {
    case "chunk":
    case "complete":
    case "inferenceRequest":
    case "inferenceAccepted":
    case "inferenceError":
    // behind every request already dispatched: nothing of this socket's work arrives after it
    case "goAway":
      return "data";
    case "register":
    case "heartbeat":
    case "attestationResponse":
    case "loadModelStatus":
    case "registerAck":
    case "cancel":
    case "attestationChallenge":
    case "loadModel":
    case "unloadModel":
    case "runtimeStatus":
    case "protocolError":
    case "keyProofChallenge":
    case "keyProof":
    case undefined:
      return "control";
  }
}
