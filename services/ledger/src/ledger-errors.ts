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
