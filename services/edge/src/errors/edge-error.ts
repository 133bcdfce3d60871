/** The one error type of the HTTP edge: carries the status and the OpenAI-style error fields. */
export class EdgeError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string | null,
    message: string,
    readonly param: string | null = null,
    readonly headers: Readonly<Record<string, string>> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "EdgeError";
  }
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAiErrorBody(err: EdgeError): OpenAiErrorBody {
  return { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
}

export const badRequest = (
  message: string,
  param: string | null = null,
  code: string | null = null,
): EdgeError => new EdgeError(400, "invalid_request_error", code, message, param);
