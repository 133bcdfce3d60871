// The one table from internal (Connect) error codes to the HTTP status and the OpenAI error
// fields, for every HTTP handler of the coordinator (edge, releases, device code, enrollment).
// A failed precondition is never a billing error: only the ledger's refused hold is a 402, and
// the money sequence (services/edge/src/core/request-money.ts) says so explicitly.
import { Code, ConnectError } from "@connectrpc/connect";
import { HttpError } from "./http-error.js";

export interface HttpMapping {
  readonly status: number;
  readonly type: string;
  readonly code: string;
}

export const CONNECT_TO_HTTP: Readonly<Record<Code, HttpMapping>> = {
  [Code.Canceled]: { status: 499, type: "request_cancelled", code: "cancelled" },
  [Code.Unknown]: { status: 500, type: "server_error", code: "internal_error" },
  [Code.InvalidArgument]: { status: 400, type: "invalid_request_error", code: "invalid_request" },
  [Code.DeadlineExceeded]: { status: 504, type: "server_error", code: "timeout" },
  [Code.NotFound]: { status: 404, type: "invalid_request_error", code: "not_found" },
  [Code.AlreadyExists]: { status: 409, type: "invalid_request_error", code: "conflict" },
  [Code.PermissionDenied]: { status: 403, type: "permission_error", code: "permission_denied" },
  [Code.ResourceExhausted]: { status: 429, type: "rate_limit_error", code: "rate_limited" },
  [Code.FailedPrecondition]: {
    status: 409,
    type: "invalid_request_error",
    code: "failed_precondition",
  },
  [Code.Aborted]: { status: 409, type: "server_error", code: "aborted" },
  [Code.OutOfRange]: { status: 400, type: "invalid_request_error", code: "out_of_range" },
  [Code.Unimplemented]: { status: 501, type: "server_error", code: "not_implemented" },
  [Code.Internal]: { status: 500, type: "server_error", code: "internal_error" },
  [Code.Unavailable]: { status: 503, type: "server_error", code: "no_capacity" },
  [Code.DataLoss]: { status: 500, type: "server_error", code: "data_loss" },
  [Code.Unauthenticated]: { status: 401, type: "authentication_error", code: "invalid_api_key" },
};

/**
 * Converts anything thrown below an HTTP handler into an HttpError, keeping the cause. Internal
 * messages are hidden; a `retry-after` hint in the error's metadata becomes the header.
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const ce = ConnectError.from(err);
  const m = CONNECT_TO_HTTP[ce.code];
  const message =
    ce.code === Code.Unknown || ce.code === Code.Internal ? "internal error" : ce.rawMessage;
  const retryAfter = ce.metadata.get("retry-after");
  const headers: Record<string, string> = retryAfter ? { "retry-after": retryAfter } : {};
  return new HttpError(m.status, m.type, m.code, message, null, headers, { cause: err });
}

/** A request body over the handler's limit (413; refused while it streams in). */
export const bodyTooLarge = (limitBytes: number): HttpError =>
  new HttpError(
    413,
    "invalid_request_error",
    "request_too_large",
    `request body exceeds ${limitBytes} bytes`,
  );
