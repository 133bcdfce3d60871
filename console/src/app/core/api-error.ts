import { HttpErrorResponse } from "@angular/common/http";

/** The message of an OpenAI-style (`{error:{message}}`) or OAuth-style (`error_description`) body. */
export function apiErrorMessage(err: unknown): string {
  if (!(err instanceof HttpErrorResponse)) return "Something went wrong. Try again.";
  if (err.status === 0) return "The coordinator could not be reached. Check your connection.";
  const body = err.error as {
    error?: { message?: string } | string;
    error_description?: string;
  } | null;
  if (body && typeof body.error === "object" && body.error.message) return body.error.message;
  if (body?.error_description) return body.error_description;
  return `The coordinator answered ${err.status}.`;
}
