import { Code, ConnectError } from "@connectrpc/connect";
import { EdgeError } from "./edge-error.js";
import { requestIdError } from "./request-id-errors.js";

interface Mapping {
  status: number;
  type: string;
  code: string;
}

/** The one table from internal (Connect) error codes to the HTTP status and OpenAI error fields. */
export const CONNECT_TO_HTTP: Readonly<Record<Code, Mapping>> = {
  [Code.Canceled]: { status: 499, type: "request_cancelled", code: "cancelled" },
  [Code.Unknown]: { status: 500, type: "server_error", code: "internal_error" },
  [Code.InvalidArgument]: { status: 400, type: "invalid_request_error", code: "invalid_request" },
  [Code.DeadlineExceeded]: { status: 504, type: "server_error", code: "timeout" },
  [Code.NotFound]: { status: 404, type: "invalid_request_error", code: "not_found" },
  [Code.AlreadyExists]: { status: 409, type: "invalid_request_error", code: "conflict" },
  [Code.PermissionDenied]: { status: 403, type: "permission_error", code: "permission_denied" },
  [Code.ResourceExhausted]: { status: 429, type: "rate_limit_error", code: "rate_limited" },
  [Code.FailedPrecondition]: {
    status: 402,
    type: "insufficient_quota",
    code: "insufficient_quota",
  },
  [Code.Aborted]: { status: 409, type: "server_error", code: "aborted" },
  [Code.OutOfRange]: { status: 400, type: "invalid_request_error", code: "out_of_range" },
  [Code.Unimplemented]: { status: 501, type: "server_error", code: "not_implemented" },
  [Code.Internal]: { status: 500, type: "server_error", code: "internal_error" },
  [Code.Unavailable]: { status: 503, type: "server_error", code: "no_capacity" },
  [Code.DataLoss]: { status: 500, type: "server_error", code: "data_loss" },
  [Code.Unauthenticated]: { status: 401, type: "authentication_error", code: "invalid_api_key" },
};

/** Converts anything thrown below the edge into an EdgeError, keeping the cause. */
export function toEdgeError(err: unknown): EdgeError {
  if (err instanceof EdgeError) return err;
  const reused = requestIdError(err);
  if (reused) return reused;
  const ce = ConnectError.from(err);
  const m = CONNECT_TO_HTTP[ce.code];
  const message =
    ce.code === Code.Unknown || ce.code === Code.Internal ? "internal error" : ce.rawMessage;
  // The router's "too busy" (ResourceExhausted) carries a retry-after hint in seconds.
  const retryAfter = ce.metadata.get("retry-after");
  const headers: Record<string, string> = retryAfter ? { "retry-after": retryAfter } : {};
  return new EdgeError(m.status, m.type, m.code, message, null, headers, { cause: err });
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
