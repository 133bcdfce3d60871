// The whole public surface of @darkbloom/http-errors: one error type and one status table for
// every HTTP handler of the coordinator.
export { HttpError, openAiErrorBody, type OpenAiErrorBody } from "./http-error.js";
export { CONNECT_TO_HTTP, bodyTooLarge, toHttpError, type HttpMapping } from "./connect-to-http.js";
