import type { EdgeError } from "./edge-error.js";

export type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "billing_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "timeout_error"
  | "api_error"
  | "overloaded_error";

/** The one table from the edge's HTTP status to Anthropic's error type (same status on the wire). */
export const STATUS_TO_ANTHROPIC: Readonly<Record<number, AnthropicErrorType>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  405: "invalid_request_error",
  409: "invalid_request_error",
  413: "request_too_large",
  422: "invalid_request_error",
  429: "rate_limit_error",
  499: "api_error",
  500: "api_error",
  501: "api_error",
  502: "api_error",
  503: "overloaded_error",
  504: "timeout_error",
};

export interface AnthropicErrorBody {
  type: "error";
  error: { type: AnthropicErrorType; message: string };
}

export function anthropicErrorType(status: number): AnthropicErrorType {
  return STATUS_TO_ANTHROPIC[status] ?? (status < 500 ? "invalid_request_error" : "api_error");
}

/** `{type:"error", error:{type, message}}`; the offending field, when known, leads the message. */
export function anthropicErrorBody(err: EdgeError): AnthropicErrorBody {
  const message =
    err.param && !err.message.startsWith(`${err.param}:`)
      ? `${err.param}: ${err.message}`
      : err.message;
  return { type: "error", error: { type: anthropicErrorType(err.status), message } };
}
