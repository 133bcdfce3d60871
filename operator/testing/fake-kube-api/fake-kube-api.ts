// A fake Kubernetes API server on a real HTTP socket, for operator tests and kubectl: discovery,
// OpenAPI v3, CRUD, list/watch (resourceVersion, bookmarks, 410 Gone), status/scale subresources,
// merge/JSON patches, server-side apply, finalizers and garbage collection (see fake-cluster.ts).
// It is not a real apiserver: no auth, no admission, lists of structs are atomic for apply, Deployments
// own their Pods directly (no ReplicaSets).
// Reason for length: the HTTP routing of every verb and subresource plus the watch stream, one table.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiError, badRequest, notFound } from "./fake-api-error.js";
import { Cluster, type Section, type WriteOptions } from "./fake-cluster.js";
import { startFakeDeploymentController } from "./fake-deployment-controller.js";
import {
  apiGroupList,
  apiResourceList,
  coreVersions,
  groupVersions,
  openApiGroupVersion,
  openApiRoot,
  table,
} from "./fake-discovery.js";
import { decode, decodeObject, readBody, send, sendError } from "./fake-http.js";
import { isObject, type JsonObject } from "./fake-json.js";
import { apiVersionOf, typeKey, type ResourceType } from "./fake-resource-types.js";
import { parseFieldSelector, parseLabelSelector, SelectorError } from "./fake-selectors.js";
import { metaOf, type StoredEvent } from "./fake-store.js";

export interface FakeKubeApiOptions {
  /** Watch events kept for resuming watches; older resourceVersions get 410 Gone. Default 10000. */
  historyLimit?: number;
  /** Period of BOOKMARK events on watches that allow them. Default 1000 ms. */
  bookmarkIntervalMs?: number;
  /**
   * `immediate` (default): a Deployment's Pods are Running and Ready as soon as they exist.
   * `kubelet`: Pods stay Pending until something (a fake kubelet) reports their status.
   */
  podReadiness?: "immediate" | "kubelet";
}

interface Target {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export class FakeKubeApi {
  readonly cluster: Cluster;
  private readonly server: Server;
  private readonly watches = new Set<ServerResponse>();
  private readonly stopController: () => void;
  private state: "new" | "listening" | "closed" = "new";
  url = "";

  private constructor(private readonly options: FakeKubeApiOptions) {
    this.cluster = new Cluster(options.historyLimit ?? 10_000);
    this.stopController = startFakeDeploymentController(
      this.cluster,
      options.podReadiness ?? "immediate",
    );
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => sendError(res, err));
    });
  }

  static async start(options: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
    const api = new FakeKubeApi(options);
    await new Promise<void>((resolve, reject) => {
      api.server.once("error", reject);
      api.server.listen(0, "127.0.0.1", () => resolve());
    });
    api.state = "listening";
    api.url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    return api;
  }

  /** Forget the watch history: every watch resumed from an older resourceVersion gets 410 Gone. */
  compact(): void {
    this.cluster.store.compact();
  }

  /** Ends every open watch (clients see the stream close and must resume). */
  dropWatches(): void {
    for (const w of this.watches) w.end();
  }

  async close(): Promise<void> {
    if (this.state !== "listening") return;
    this.state = "closed";
    this.stopController();
    this.dropWatches();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const types = this.cluster.allTypes();
    if (req.method === "GET") {
      if (path === "/version")
        return send(res, 200, {
          major: "1",
          minor: "31",
          gitVersion: "v1.31.0-fake",
          platform: "linux/amd64",
        });
      if (path === "/healthz" || path === "/readyz" || path === "/livez") {
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
        return;
      }
      if (path === "/api") return send(res, 200, coreVersions());
      if (path === "/apis") return send(res, 200, apiGroupList(types));
      if (path === "/openapi/v3")
        return send(res, 200, openApiRoot(types, String(this.cluster.store.currentRv())));
      const gvs = groupVersions(types);
      const oa = /^\/openapi\/v3\/(?:api|apis)\/(.+)$/.exec(path);
      if (oa) {
        const gvTypes = gvs.get(oa[1] as string);
        if (!gvTypes) throw notFound("", "", path);
        return send(res, 200, openApiGroupVersion(oa[1] as string, gvTypes));
      }
      const gvOnly = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))$/.exec(path);
      if (gvOnly) {
        const gv = (gvOnly[1] ?? gvOnly[2]) as string;
        const gvTypes = gvs.get(gv);
        if (!gvTypes) throw notFound("", "", path);
        return send(res, 200, apiResourceList(gv, gvTypes));
      }
      const apisGroup = /^\/apis\/([^/]+)$/.exec(path);
      if (apisGroup) {
        const g = apiGroupList(types).groups.find((x) => x.name === apisGroup[1]);
        if (!g) throw notFound("", "", path);
        return send(res, 200, { kind: "APIGroup", apiVersion: "v1", ...g });
      }
    }
    const target = this.resolve(path);
    await this.serveResource(req, res, url, target);
  }

  private resolve(path: string): Target {
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.*)$/.exec(path);
    if (!m) throw notFound("", "", path);
    const group = m[2] ?? "";
    const version = (m[1] ?? m[3]) as string;
    let segs = (m[4] as string).split("/");
    if (segs[0] === "watch") segs = segs.slice(1);
    let namespace: string | undefined;
    if (segs[0] === "namespaces" && segs.length >= 3) {
      const t = this.cluster.findType(group, version, segs[2] as string);
      if (t?.namespaced) {
        namespace = segs[1];
        segs = segs.slice(2);
      }
    }
    const type = this.cluster.findType(group, version, segs[0] as string);
    if (!type) throw notFound("", group, segs[0] as string);
    if (segs.length > 3) throw notFound("", group, path);
    return {
      type,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(segs[1] !== undefined ? { name: segs[1] } : {}),
      ...(segs[2] !== undefined ? { subresource: segs[2] } : {}),
    };
  }

  private async serveResource(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    target: Target,
  ): Promise<void> {
    const { type: t, namespace: ns, name, subresource } = target;
    const q = url.searchParams;
    const wantsTable = (req.headers.accept ?? "").includes("as=Table");
    const opts: WriteOptions = {
      manager: q.get("fieldManager") ?? userAgentManager(req.headers["user-agent"]),
      fieldValidation:
        (q.get("fieldValidation") as WriteOptions["fieldValidation"] | null) ?? "Warn",
    };
    const section: Section = subresource === "status" ? "status" : "main";
    if (subresource && subresource !== "status" && subresource !== "scale")
      throw notFound("", t.group, subresource);
    if (subresource === "status" && !t.status)
      throw notFound(t.plural + "/status", t.group, name ?? "");
    const contentType = req.headers["content-type"] ?? "application/json";

    if (!name) {
      switch (req.method) {
        case "GET":
          if (
            q.get("watch") === "true" ||
            q.get("watch") === "1" ||
            url.pathname.includes("/watch/")
          )
            return this.watch(req, res, t, ns, q, wantsTable);
          return this.list(res, t, ns, q, wantsTable);
        case "POST": {
          const body = decodeObject(await readBody(req), contentType.includes("yaml"));
          if (q.get("dryRun")) return send(res, 201, body);
          return send(res, 201, this.cluster.create(t, body, opts, ns));
        }
        case "DELETE": {
          const sel = parseLabelSelector(q.get("labelSelector"));
          for (const o of this.cluster.store.list(t, ns))
            if (sel(metaOf(o).labels ?? {}))
              this.cluster.delete(t, ns, metaOf(o).name, "Background");
          return send(res, 200, {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Success",
          });
        }
        case undefined:
        default:
          throw new ApiError(
            405,
            "MethodNotAllowed",
            `${req.method ?? ""} is not supported on a collection`,
          );
      }
    }

    if (subresource === "scale") {
      switch (req.method) {
        case "GET":
          return send(res, 200, this.cluster.getScale(t, ns, name));
        case "PUT": {
          const body = decodeObject(await readBody(req), false);
          return send(
            res,
            200,
            this.cluster.setScale(t, ns, name, () => body, opts),
          );
        }
        case "PATCH": {
          const body = decode(await readBody(req), false);
          const patched = (scale: JsonObject) => {
            const r = this.cluster.patchValue(scale, contentType, body);
            return r;
          };
          return send(res, 200, this.cluster.setScale(t, ns, name, patched, opts));
        }
        case undefined:
        default:
          throw new ApiError(405, "MethodNotAllowed", "scale supports get, update and patch");
      }
    }

    switch (req.method) {
      case "GET": {
        const o =
          section === "status" ? this.cluster.get(t, ns, name) : this.cluster.get(t, ns, name);
        if (wantsTable)
          return send(
            res,
            200,
            table(t, [o], q.get("includeObject"), metaOf(o).resourceVersion, Date.now()),
          );
        return send(res, 200, o);
      }
      case "PUT": {
        const body = decodeObject(await readBody(req), contentType.includes("yaml"));
        const r = this.cluster.update(t, ns, name, section, body, opts);
        return send(res, 200, r.object, r.warnings);
      }
      case "PATCH": {
        const text = await readBody(req);
        if (contentType.startsWith("application/apply-patch")) {
          if (!q.get("fieldManager")) throw badRequest("PATCH with apply requires a fieldManager");
          const r = this.cluster.apply(
            t,
            ns,
            name,
            section,
            decodeObject(text, true),
            opts,
            q.get("force") === "true",
          );
          return send(res, r.created ? 201 : 200, r.object, r.warnings);
        }
        const r = this.cluster.patch(t, ns, name, section, contentType, decode(text, false), opts);
        return send(res, 200, r.object, r.warnings);
      }
      case "DELETE": {
        const text = await readBody(req);
        const body = text ? decodeObject(text, false) : {};
        const propagation =
          q.get("propagationPolicy") ??
          (body.propagationPolicy as string | undefined) ??
          "Background";
        const graceText = q.get("gracePeriodSeconds") ?? body.gracePeriodSeconds;
        const grace = graceText === undefined || graceText === null ? undefined : Number(graceText);
        return send(res, 200, this.cluster.delete(t, ns, name, propagation, grace));
      }
      case undefined:
      default:
        throw new ApiError(405, "MethodNotAllowed", `${req.method ?? ""} is not supported`);
    }
  }

  private filters(t: ResourceType, ns: string | undefined, q: URLSearchParams) {
    try {
      const labels = parseLabelSelector(q.get("labelSelector"));
      const fields = parseFieldSelector(q.get("fieldSelector"));
      return (o: JsonObject) =>
        (ns === undefined || !t.namespaced || metaOf(o).namespace === ns) &&
        labels(metaOf(o).labels ?? {}) &&
        fields(o);
    } catch (err) {
      if (err instanceof SelectorError) throw badRequest(err.message);
      throw err;
    }
  }

  private list(
    res: ServerResponse,
    t: ResourceType,
    ns: string | undefined,
    q: URLSearchParams,
    wantsTable: boolean,
  ): void {
    const match = this.filters(t, ns, q);
    const items = this.cluster.store.list(t, t.namespaced ? ns : undefined).filter(match);
    const rv = String(this.cluster.store.currentRv());
    if (wantsTable) return send(res, 200, table(t, items, q.get("includeObject"), rv, Date.now()));
    send(res, 200, {
      kind: `${t.kind}List`,
      apiVersion: apiVersionOf(t),
      metadata: { resourceVersion: rv },
      items,
    });
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    t: ResourceType,
    ns: string | undefined,
    q: URLSearchParams,
    wantsTable: boolean,
  ): void {
    const match = this.filters(t, ns, q);
    const key = typeKey(t.group, t.plural);
    const rvText = q.get("resourceVersion") ?? "";
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders();
    const write = (type: string, object: JsonObject) => {
      const obj =
        wantsTable && type !== "ERROR" && type !== "BOOKMARK"
          ? table(t, [object], q.get("includeObject"), metaOf(object).resourceVersion, Date.now())
          : object;
      res.write(JSON.stringify({ type, object: obj }) + "\n");
    };
    const store = this.cluster.store;
    if (rvText && rvText !== "0" && Number(rvText) < store.oldestWatchableRv()) {
      write(
        "ERROR",
        new ApiError(
          410,
          "Expired",
          `too old resource version: ${rvText} (${store.oldestWatchableRv()})`,
        ).toStatus() as JsonObject,
      );
      res.end();
      return;
    }
    if (!rvText || rvText === "0") {
      for (const o of store.list(t, t.namespaced ? ns : undefined).filter(match)) write("ADDED", o);
    } else {
      for (const e of store.eventsAfter(Number(rvText), key))
        if (match(e.object)) write(e.type, e.object);
    }
    const unsubscribe = store.subscribe((e: StoredEvent) => {
      if (e.key === key && match(e.object)) write(e.type, e.object);
    });
    const timers: NodeJS.Timeout[] = [];
    if (q.get("allowWatchBookmarks") === "true") {
      timers.push(
        setInterval(() => {
          write("BOOKMARK", {
            kind: t.kind,
            apiVersion: apiVersionOf(t),
            metadata: { resourceVersion: String(store.currentRv()) },
          });
        }, this.options.bookmarkIntervalMs ?? 1000),
      );
    }
    const timeout = Number(q.get("timeoutSeconds") ?? 0);
    if (timeout > 0) timers.push(setTimeout(() => res.end(), timeout * 1000));
    this.watches.add(res);
    const cleanup = () => {
      unsubscribe();
      for (const timer of timers) clearTimeout(timer);
      this.watches.delete(res);
    };
    res.on("close", cleanup);
    req.on("close", cleanup);
  }
}

/** The default field manager of a request without fieldManager: the client's name, as the real server does. */
function userAgentManager(ua: string | undefined): string {
  return (ua ?? "unknown").split("/")[0] ?? "unknown";
}

export function isStatusObject(v: unknown): boolean {
  return isObject(v) && v.kind === "Status";
}
