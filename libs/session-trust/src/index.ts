// The contract between routing's provider gateway and attestation: the hooks the gateway calls on
// each provider session and the trust attestation sets on it. Both services import it from here,
// so neither imports the other (the coordinator plugs the authority into the gateway).
export {
  UNATTESTED,
  type Admission,
  type AttestedSession,
  type SessionTrust,
  type SessionTrustHooks,
} from "./session-trust.js";
