import { toHttpError } from "@darkbloom/http-errors";
import { EdgeError } from "./edge-error.js";
import { requestIdError } from "./request-id-errors.js";

export { CONNECT_TO_HTTP } from "@darkbloom/http-errors";

/**
 * Converts anything thrown below the edge into an EdgeError, keeping the cause: a refused
 * request-id claim gets its own error, the rest goes through the HTTP surface's one table.
 */
export function toEdgeError(err: unknown): EdgeError {
  if (err instanceof EdgeError) return err;
  return requestIdError(err) ?? toHttpError(err);
}

/**
 * Maps an inference error event from routing to an EdgeError. Routing has already replaced a
 * provider's own error with a coordinator-authored one (routing's PROVIDER_ERRORS table); this
 * maps only the statuses routing emits, and any other status becomes a 502, so a provider can never
 * choose the consumer's status (a 401 telling them their key was revoked, say).
 */
export function fromProviderStatus(status: number, message: string): EdgeError {
  switch (status) {
    case 400:
      return new EdgeError(400, "invalid_request_error", "provider_rejected", message);
    case 422:
      return new EdgeError(422, "invalid_request_error", "context_length_exceeded", message);
    case 503:
      return new EdgeError(503, "server_error", "no_capacity", message);
    case 504:
      return new EdgeError(504, "server_error", "timeout", message);
    default:
      return new EdgeError(502, "server_error", "provider_error", message);
  }
}
