import type { IncomingMessage, ServerResponse } from "node:http";
import { toBase64 } from "@darkbloom/crypto";
import type { Logger } from "@darkbloom/telemetry";
import { EdgeError } from "../errors/edge-error.js";
import { readBody } from "../http/read-body.js";
import { sendError, sendJson } from "../http/respond.js";
import type { CryptoRefusals } from "./crypto-refusals.js";
import type { CoordinatorKeyRing } from "./key-ring.js";
import type { ReplayGuard } from "./replay-guard.js";
import { SEALED_CONTENT_TYPE, SealedBodyRefusal, openSealedRequest } from "./sealed-request.js";
import { sealResponse } from "./sealed-response.js";

export const ENCRYPTION_KEY_PATH = "/v1/encryption-key";

export interface SealedBodyDeps {
  ring: CoordinatorKeyRing;
  replays: ReplayGuard;
  refusals: CryptoRefusals;
  log: Logger;
}

export type GateResult = { kind: "handled" } | { kind: "plain" } | { kind: "opened"; body: Buffer };

/** Base64 adds a third, the envelope a few hundred bytes. */
const envelopeLimit = (maxBodyBytes: number): number => Math.ceil((maxBodyBytes * 4) / 3) + 4096;

/**
 * Runs before the route handlers: serves `GET /v1/encryption-key`, and for a request with content
 * type `application/darkbloom-sealed+json` opens the body and seals the response that follows.
 * A sealed body that cannot be opened is refused here with a plain OpenAI error (it carries no
 * request content) and counted in `darkbloom_crypto_refusals_total{reason}`.
 */
export async function sealedBodyGate(
  deps: SealedBodyDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  maxBodyBytes: number,
): Promise<GateResult> {
  if (path === ENCRYPTION_KEY_PATH) {
    if (req.method !== "GET") {
      sendError(
        res,
        new EdgeError(
          405,
          "invalid_request_error",
          "method_not_allowed",
          `${path} accepts GET only`,
          null,
          { allow: "GET" },
        ),
      );
      return { kind: "handled" };
    }
    const key = await deps.ring.current();
    sendJson(
      res,
      200,
      { kid: key.kid, public_key: toBase64(key.publicKey) },
      {
        "cache-control": "public, max-age=60",
      },
    );
    return { kind: "handled" };
  }
  const type = String(req.headers["content-type"] ?? "").toLowerCase();
  if (!type.startsWith(SEALED_CONTENT_TYPE)) return { kind: "plain" };

  const raw = await readBody(req, envelopeLimit(maxBodyBytes));
  try {
    const opened = await openSealedRequest(raw, deps.ring, deps.replays);
    if (opened.plaintext.length > maxBodyBytes) {
      opened.sharedKey.fill(0);
      throw new EdgeError(
        413,
        "invalid_request_error",
        "request_too_large",
        `request body exceeds ${maxBodyBytes} bytes`,
      );
    }
    sealResponse(res, opened.sharedKey, opened.kid);
    return { kind: "opened", body: Buffer.from(opened.plaintext) };
  } catch (err) {
    if (!(err instanceof SealedBodyRefusal)) throw err;
    deps.refusals.count(err.reason);
    deps.log.warn("sealed body refused", { reason: err.reason });
    sendError(res, err.edge);
    return { kind: "handled" };
  }
}
