// The ledger's refusals of a reused x-request-id (DESIGN §10) as the consumer sees them: 409s
// with a code per reason, so a client can tell "retry later" from "use a new id".
import { requestIdRefusal, type RequestIdRefusal } from "@darkbloom/ledger";
import { EdgeError } from "./edge-error.js";

const REFUSALS: Readonly<Record<RequestIdRefusal, { code: string; message: string }>> = {
  reused: {
    code: "idempotency_key_reused",
    message:
      "This x-request-id was already used for a different request. A request id may only be reused to retry the same request; send a new x-request-id.",
  },
  in_progress: {
    code: "request_in_progress",
    message:
      "A request with this x-request-id is still running. Wait for it to finish, or send a new x-request-id.",
  },
  completed: {
    code: "request_id_already_used",
    message:
      "A request with this x-request-id already ran (its usage: GET /v1/usage/{request id}). Outputs are not stored, so it is not replayed, and an id never runs twice; send a new x-request-id.",
  },
};

/** The consumer-facing 409 for a ledger refusal of a reused request id; undefined otherwise. */
export function requestIdError(err: unknown): EdgeError | undefined {
  const refusal = requestIdRefusal(err);
  if (refusal === undefined) return undefined;
  const { code, message } = REFUSALS[refusal];
  return new EdgeError(409, "invalid_request_error", code, message, null, {}, { cause: err });
}
