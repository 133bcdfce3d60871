// The one error type the engine throws; the daemon maps `code` to its wire error.
export type EngineErrorCode =
  "invalid_input" | "context_overflow" | "unsupported_model" | "load_failed" | "closed";

export class EngineError extends Error {
  override readonly name = "EngineError";
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
