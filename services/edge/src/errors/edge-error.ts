// The edge's error is the HTTP surface's one error type (libs/http-errors), under its edge name.
import { HttpError } from "@darkbloom/http-errors";

export {
  HttpError as EdgeError,
  openAiErrorBody,
  type OpenAiErrorBody,
} from "@darkbloom/http-errors";

export const badRequest = (
  message: string,
  param: string | null = null,
  code: string | null = null,
): HttpError => new HttpError(400, "invalid_request_error", code, message, param);
