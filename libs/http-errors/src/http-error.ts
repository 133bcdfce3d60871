/** The one error type of the HTTP surface: the status and the OpenAI-style error fields. */
export class HttpError extends Error {
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
    this.name = "HttpError";
  }
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAiErrorBody(err: HttpError): OpenAiErrorBody {
  return { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
}
