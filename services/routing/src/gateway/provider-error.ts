import { create } from "@bufbuild/protobuf";
import { InferenceErrorSchema, type InferenceError } from "@darkbloom/proto";

/**
 * What a provider's InferenceError may mean to a consumer. A provider's status and message are
 * its own claims (DESIGN §10): they choose a category here and never reach the consumer verbatim.
 */
export type ProviderErrorCategory =
  | "invalid_request"
  | "context_overflow"
  | "model_unavailable"
  | "overloaded"
  | "timeout"
  | "failed";

interface CoordinatorError {
  /** The status the edge maps to HTTP (400, 422, 502, 503, 504; 5xx ones are retried elsewhere). */
  statusCode: number;
  message: string;
}

/** The one table of the coordinator-authored errors a provider's error becomes. */
export const PROVIDER_ERRORS: Readonly<Record<ProviderErrorCategory, CoordinatorError>> = {
  invalid_request: {
    statusCode: 400,
    message:
      "The provider refused this request as invalid for the model (for example, a logit_bias " +
      "token id outside the model's vocabulary).",
  },
  context_overflow: {
    statusCode: 422,
    message: "The prompt and max_tokens do not fit the model's context window.",
  },
  model_unavailable: {
    statusCode: 503,
    message: "The model is not loaded on the chosen provider and no other provider could run it.",
  },
  overloaded: { statusCode: 503, message: "The provider is overloaded; retry later." },
  timeout: { statusCode: 504, message: "The provider timed out." },
  failed: { statusCode: 502, message: "The provider failed to run the request." },
};

/** A provider's status code → category; anything unexpected (401, 403, 500, …) is `failed`. */
export function providerErrorCategory(statusCode: number): ProviderErrorCategory {
  switch (statusCode) {
    case 400:
      return "invalid_request";
    case 413:
    case 422:
      return "context_overflow";
    case 404:
      return "model_unavailable";
    case 429:
    case 503:
      return "overloaded";
    case 408:
    case 504:
      return "timeout";
    default:
      return "failed";
  }
}

/** The provider's InferenceError rewritten as the coordinator's (request id and usage kept). */
export function coordinatorError(frame: InferenceError): {
  category: ProviderErrorCategory;
  error: InferenceError;
} {
  const category = providerErrorCategory(frame.statusCode);
  const { statusCode, message } = PROVIDER_ERRORS[category];
  return {
    category,
    error: create(InferenceErrorSchema, {
      requestId: frame.requestId,
      statusCode,
      message,
      ...(frame.usage ? { usage: frame.usage } : {}),
    }),
  };
}
