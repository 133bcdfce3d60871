import { ConnectError, Code } from "@connectrpc/connect";

/**
 * Refusal for a hold the consumer cannot cover. The edge maps it to HTTP 402: code
 * FailedPrecondition and exactly this raw message (`error.rawMessage`).
 */
export const INSUFFICIENT_BALANCE = "insufficient balance";

export function insufficientBalance(
  accountId: string,
  neededMicroUsd: bigint,
  availableMicroUsd: bigint,
): ConnectError {
  const error = new ConnectError(INSUFFICIENT_BALANCE, Code.FailedPrecondition);
  error.cause = {
    accountId,
    neededMicroUsd: String(neededMicroUsd),
    availableMicroUsd: String(availableMicroUsd),
  };
  return error;
}

export function isInsufficientBalance(error: unknown): boolean {
  const connectError = ConnectError.from(error);
  return (
    connectError.code === Code.FailedPrecondition &&
    connectError.rawMessage === INSUFFICIENT_BALANCE
  );
}

export function invalidArgument(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

/** Non-empty, at most 200 characters: request ids, account ids, idempotency keys. */
export function requireId(value: string, field: string): string {
  if (value.length === 0 || value.length > 200) {
    throw invalidArgument(`${field} must be 1 to 200 characters`);
  }
  return value;
}

/**
 * Refusals of a consumer's reused request id (DESIGN §10). The edge maps each to its own HTTP 409
 * by code and exactly this raw message (see {@link requestIdRefusal}).
 */
export const REQUEST_ID_REUSED = "request id reused with a different request";
export const REQUEST_ID_COMPLETED = "request id already completed";
export const REQUEST_ID_IN_PROGRESS = "request id in progress";

export type RequestIdRefusal = "reused" | "completed" | "in_progress";

const REFUSALS: ReadonlyMap<string, RequestIdRefusal> = new Map([
  [REQUEST_ID_REUSED, "reused"],
  [REQUEST_ID_COMPLETED, "completed"],
  [REQUEST_ID_IN_PROGRESS, "in_progress"],
]);

export function requestIdReused(): ConnectError {
  return new ConnectError(REQUEST_ID_REUSED, Code.AlreadyExists);
}

export function requestIdCompleted(): ConnectError {
  return new ConnectError(REQUEST_ID_COMPLETED, Code.AlreadyExists);
}

export function requestIdInProgress(): ConnectError {
  return new ConnectError(REQUEST_ID_IN_PROGRESS, Code.Aborted);
}

/** Which reuse refusal the error is, if it is one. */
export function requestIdRefusal(error: unknown): RequestIdRefusal | undefined {
  const connectError = ConnectError.from(error);
  if (connectError.code !== Code.AlreadyExists && connectError.code !== Code.Aborted)
    return undefined;
  return REFUSALS.get(connectError.rawMessage);
}
