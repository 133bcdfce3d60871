import type { IncomingMessage } from "node:http";
import { bodyTooLarge } from "@darkbloom/http-errors";

/**
 * The one request-body reader of the coordinator's front door and the provider's local server.
 * Refuses a body as soon as it is known to exceed `limitBytes` (from Content-Length, or while it
 * streams in) with a 413 `request_too_large` HttpError instead of buffering it whole. A refused
 * body is left to the HTTP server, which discards the rest, so the client still reads the 413
 * instead of EPIPE.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes)
    return Promise.reject(bodyTooLarge(limitBytes));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (part: Buffer): void => {
      size += part.byteLength;
      if (size <= limitBytes) return void parts.push(part);
      req.off("data", onData).off("end", onEnd).resume();
      parts.length = 0;
      reject(bodyTooLarge(limitBytes));
    };
    const onEnd = (): void => resolve(Buffer.concat(parts));
    req.on("data", onData).on("end", onEnd).once("error", reject);
  });
}
