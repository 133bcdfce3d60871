import type { IncomingMessage } from "node:http";
import type { HttpCall, HttpRoute } from "@darkbloom/http-body";
import { Code, ConnectError } from "@connectrpc/connect";
import type { DatabasePool } from "@darkbloom/db";
import { z } from "zod";
import { installScript } from "../install/install-script.js";
import { requestBaseUrl } from "../install/request-base-url.js";
import { latestRelease } from "../latest-release.js";
import { modelManifestSchema } from "@darkbloom/model-contract";
import { findModel, listModels, retireModel, upsertModel } from "../models/model-store.js";
import { registerRelease } from "../register-release.js";
import { bearer, parseJson, pathParam, secretMatches, sendJson } from "./json-http.js";

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
 * Release and model-registry routes of the front door: public `GET /install.sh`,
 * `GET /v1/releases/latest` and `GET /v1/models/{id}/manifest`; `POST /v1/releases` (CI token or
 * admin key); admin `GET|POST /v1/admin/models` and `DELETE /v1/admin/models/{id}`. Errors go
 * through the front door's one table (libs/http-errors).
 */
export function createReleasesRoutes(deps: ReleasesHttpDeps): HttpRoute[] {
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
  const route = (
    methods: HttpRoute["methods"],
    path: string,
    handle: (call: HttpCall) => Promise<void>,
  ): HttpRoute => ({ methods, path, routeClass: methods[0] === "GET" ? "none" : "upload", handle });

  return [
    route(["GET"], "/install.sh", ({ req, res }) => {
      const script = installScript(requestBaseUrl(req));
      res.writeHead(200, {
        "content-type": "text/x-shellscript; charset=utf-8",
        "cache-control": "no-cache",
      });
      res.end(script);
      return Promise.resolve();
    }),
    route(["GET"], "/v1/releases/latest", async ({ res, url }) => {
      const r = await latestRelease(deps.pool, url.searchParams.get("platform") ?? "");
      if (!r) throw new ConnectError("no release is registered", Code.NotFound);
      sendJson(res, 200, r);
    }),
    route(["POST"], "/v1/releases", async ({ req, res, readBody }) => {
      await requireAdmin(req, true);
      const body = parse(releaseBody, parseJson(await readBody()));
      sendJson(res, 201, await registerRelease(deps.pool, body));
    }),
    route(["GET"], "/v1/models/{}/manifest", async ({ res, params }) => {
      const m = await findModel(deps.pool, pathParam(params[0] ?? ""));
      if (!m || m.retiredAtMs !== null)
        throw new ConnectError("model is not in the registry", Code.NotFound);
      sendJson(res, 200, m.manifest);
    }),
    route(["GET"], "/v1/admin/models", async ({ req, res }) => {
      await requireAdmin(req);
      sendJson(res, 200, { models: await listModels(deps.pool, true) });
    }),
    route(["POST"], "/v1/admin/models", async ({ req, res, readBody }) => {
      await requireAdmin(req);
      const body = parse(z.object({ manifest: modelManifestSchema }), parseJson(await readBody()));
      await upsertModel(deps.pool, body.manifest);
      sendJson(res, 201, { id: body.manifest.id, published: true });
    }),
    route(["DELETE"], "/v1/admin/models/{}", async ({ req, res, params }) => {
      await requireAdmin(req);
      const id = pathParam(params[0] ?? "");
      if (!(await retireModel(deps.pool, id)))
        throw new ConnectError(`model ${id} is not published`, Code.NotFound);
      sendJson(res, 200, { id, retired: true });
    }),
  ];
}
