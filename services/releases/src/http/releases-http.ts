import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import type { DatabasePool } from "@darkbloom/db";
import { z } from "zod";
import { installScript } from "../install/install-script.js";
import { requestBaseUrl } from "../install/request-base-url.js";
import { latestRelease } from "../latest-release.js";
import { modelManifestSchema } from "@darkbloom/model-contract";
import { findModel, listModels, retireModel, upsertModel } from "../models/model-store.js";
import { registerRelease } from "../register-release.js";
import {
  bearer,
  pathParam,
  readJson,
  secretMatches,
  sendHttpError,
  sendJson,
} from "./json-http.js";

export interface ReleasesHttpDeps {
  pool: DatabasePool;
  authenticate(apiKey: string): Promise<{ role: string; scopes: readonly string[] } | null>;
  /** CI token allowed to register releases (DARKBLOOM_RELEASE_TOKEN); empty = admin keys only. */
  releaseToken: string;
}

const releaseBody = z.object({
  version: z.string(),
  notes: z.string().default(""),
  artifacts: z.array(
    z.object({
      platform: z.string(),
      url: z.string(),
      sha256: z.string(),
      treeSha256: z.string().optional(),
    }),
  ),
});

const parse = <S extends z.ZodTypeAny>(schema: S, json: unknown): z.output<S> => {
  const r = schema.safeParse(json);
  if (r.success) return r.data as z.output<S>;
  throw new ConnectError(
    r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
    Code.InvalidArgument,
  );
};

/**
 * Release and model-registry HTTP routes: public `GET /install.sh`, `GET /v1/releases/latest` and
 * `GET /v1/models/{id}/manifest`; `POST /v1/releases` (CI token or admin key); admin
 * `GET|POST /v1/admin/models` and `DELETE /v1/admin/models/{id}`.
 */
export function createReleasesHttp(deps: ReleasesHttpDeps) {
  const requireAdmin = async (req: IncomingMessage, allowReleaseToken = false): Promise<void> => {
    const key = bearer(req);
    if (allowReleaseToken && secretMatches(key, deps.releaseToken)) return;
    const p = key ? await deps.authenticate(key) : null;
    if (!p) throw new ConnectError("a valid admin API key is required", Code.Unauthenticated);
    if (p.role !== "admin")
      throw new ConnectError("this API needs an admin key", Code.PermissionDenied);
    if (!p.scopes.includes("admin"))
      throw new ConnectError("this API key lacks the 'admin' scope", Code.PermissionDenied);
  };

  async function serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const method = req.method ?? "GET";
    const manifestPath = /^\/v1\/models\/([^/]+)\/manifest$/.exec(path);
    const adminModel = /^\/v1\/admin\/models\/([^/]+)$/.exec(path);
    if (path === "/install.sh" && method === "GET") {
      const script = installScript(requestBaseUrl(req));
      res.writeHead(200, {
        "content-type": "text/x-shellscript; charset=utf-8",
        "cache-control": "no-cache",
      });
      res.end(script);
      return;
    }
    if (path === "/v1/releases/latest" && method === "GET") {
      const r = await latestRelease(deps.pool, url.searchParams.get("platform") ?? "");
      if (!r) throw new ConnectError("no release is registered", Code.NotFound);
      return sendJson(res, 200, r);
    }
    if (path === "/v1/releases" && method === "POST") {
      await requireAdmin(req, true);
      return sendJson(
        res,
        201,
        await registerRelease(deps.pool, parse(releaseBody, await readJson(req))),
      );
    }
    if (manifestPath && method === "GET") {
      const m = await findModel(deps.pool, pathParam(manifestPath[1] ?? ""));
      if (!m || m.retiredAtMs !== null)
        throw new ConnectError("model is not in the registry", Code.NotFound);
      return sendJson(res, 200, m.manifest);
    }
    if (path === "/v1/admin/models" && method === "GET") {
      await requireAdmin(req);
      return sendJson(res, 200, { models: await listModels(deps.pool, true) });
    }
    if (path === "/v1/admin/models" && method === "POST") {
      await requireAdmin(req);
      const body = parse(z.object({ manifest: modelManifestSchema }), await readJson(req));
      await upsertModel(deps.pool, body.manifest);
      return sendJson(res, 201, { id: body.manifest.id, published: true });
    }
    if (adminModel && method === "DELETE") {
      await requireAdmin(req);
      const id = pathParam(adminModel[1] ?? "");
      if (!(await retireModel(deps.pool, id)))
        throw new ConnectError(`model ${id} is not published`, Code.NotFound);
      return sendJson(res, 200, { id, retired: true });
    }
    throw new ConnectError(`${method} ${path} is not a route`, Code.NotFound);
  }

  return {
    matches: (path: string): boolean =>
      path === "/install.sh" ||
      path === "/v1/releases" ||
      path === "/v1/releases/latest" ||
      path.startsWith("/v1/admin/models") ||
      /^\/v1\/models\/[^/]+\/manifest$/.test(path),
    handle(req: IncomingMessage, res: ServerResponse, onError: (err: unknown) => void): void {
      serve(req, res, new URL(req.url ?? "/", "http://x")).catch((err: unknown) => {
        const ce = ConnectError.from(err);
        if (ce.code === Code.Internal || ce.code === Code.Unknown) onError(err);
        if (!res.headersSent) sendHttpError(res, err);
        else res.end();
      });
    },
  };
}
