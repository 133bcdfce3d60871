/** The one error type of the SDK: an HTTP error from the coordinator or a refused crypto check. */
export class DarkbloomError extends Error {
  override readonly name = "DarkbloomError";

  constructor(
    /** HTTP status, or 0 when the SDK itself refused (e.g. an unattested key, a tampered chunk). */
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Throws a DarkbloomError built from an OpenAI-style error body when `res` is not ok. */
export async function throwIfNotOk(res: Response): Promise<void> {
  if (res.ok) return;
  const text = await res.text();
  let code = "http_error";
  let message = `HTTP ${res.status}`;
  try {
    const body = JSON.parse(text) as { error?: { code?: string | null; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // Not JSON: keep the status-only message.
  }
  throw new DarkbloomError(res.status, code, message);
}
