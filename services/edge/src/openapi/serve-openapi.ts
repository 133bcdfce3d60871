import type { ServerResponse } from "node:http";
import { sendJson } from "../http/respond.js";
import { OPENAPI_DOCUMENT } from "./document.js";

/** GET /openapi.json (no auth). */
export function serveOpenApi(res: ServerResponse): void {
  sendJson(res, 200, OPENAPI_DOCUMENT, { "cache-control": "public, max-age=300" });
}
