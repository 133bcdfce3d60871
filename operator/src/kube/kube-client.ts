// The operator's Kubernetes client: @kubernetes/client-node's KubeConfig for the server and
// credentials, plain HTTP(S) requests for the REST verbs (server-side apply, merge patches to
// status, deletes) so content types and field managers are explicit.
import { KubeConfig } from "@kubernetes/client-node";
import http from "node:http";
import https from "node:https";
import { KubeError } from "./kube-error.js";
import { resourcePath, type KindRef } from "./resource-path.js";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    finalizers?: string[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
    generateName?: string;
  };
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeList<T> {
  items: T[];
  metadata: { resourceVersion?: string };
}

const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** A KubeConfig for an explicit server URL (tests, local runs), or from the default places. */
export function loadKubeConfig(server?: string): KubeConfig {
  const kc = new KubeConfig();
  if (server) {
    // client-node refuses plain http unless TLS verification is "skipped" (there is no TLS to verify).
    kc.loadFromClusterAndUser(
      { name: "explicit", server, skipTLSVerify: server.startsWith("http:") },
      { name: "explicit" },
    );
  } else kc.loadFromDefault();
  return kc;
}

export class KubeClient {
  constructor(
    readonly kc: KubeConfig,
    readonly fieldManager: string,
  ) {}

  server(): string {
    const c = this.kc.getCurrentCluster();
    if (!c) throw new KubeError(0, "NoCluster", "the kubeconfig names no cluster");
    return c.server;
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<T> {
    const url = new URL(path, this.server());
    const options: https.RequestOptions = { method, headers: { accept: "application/json" } };
    await this.kc.applyToHTTPSOptions(options);
    const text = body === undefined ? undefined : JSON.stringify(body);
    if (text !== undefined)
      options.headers = {
        ...options.headers,
        "content-type": contentType,
        "content-length": Buffer.byteLength(text),
      };
    const lib = url.protocol === "https:" ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = lib.request(url, options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES)
            req.destroy(
              new KubeError(0, "TooLarge", `response of ${path} over ${MAX_RESPONSE_BYTES} bytes`),
            );
          else chunks.push(c);
        });
        res.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown;
          try {
            parsed = raw ? JSON.parse(raw) : undefined;
          } catch (err) {
            reject(
              new KubeError(res.statusCode ?? 0, "BadResponse", `${method} ${path}: not JSON`, {
                cause: err,
              }),
            );
            return;
          }
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve(parsed as T);
          else {
            const status = (parsed ?? {}) as { reason?: string; message?: string };
            reject(
              new KubeError(
                code,
                status.reason ?? "Unknown",
                `${method} ${path}: ${code} ${status.message ?? raw}`,
              ),
            );
          }
        });
        res.on("error", reject);
      });
      req.setTimeout(30_000, () =>
        req.destroy(new KubeError(0, "Timeout", `${method} ${path} timed out`)),
      );
      req.on("error", (err) =>
        reject(
          err instanceof KubeError
            ? err
            : new KubeError(0, "Network", `${method} ${path}: ${err.message}`, { cause: err }),
        ),
      );
      req.end(text);
    });
  }

  get<T extends KubeObject>(ref: KindRef, namespace: string | undefined, name: string): Promise<T> {
    return this.request<T>("GET", resourcePath(ref, namespace, name));
  }

  list<T extends KubeObject>(
    ref: KindRef,
    namespace?: string,
    labelSelector?: string,
  ): Promise<KubeList<T>> {
    const q = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : "";
    return this.request<KubeList<T>>("GET", resourcePath(ref, namespace) + q);
  }

  create<T extends KubeObject>(obj: KubeObject): Promise<T> {
    return this.request<T>(
      "POST",
      resourcePath(obj, obj.metadata.namespace) +
        `?fieldManager=${encodeURIComponent(this.fieldManager)}`,
      obj,
    );
  }

  update<T extends KubeObject>(obj: KubeObject): Promise<T> {
    return this.request<T>(
      "PUT",
      resourcePath(obj, obj.metadata.namespace, obj.metadata.name) +
        `?fieldManager=${encodeURIComponent(this.fieldManager)}`,
      obj,
    );
  }

  /** Server-side apply with this client's field manager; `force` takes fields from other managers. */
  apply<T extends KubeObject>(
    obj: KubeObject,
    options: { force?: boolean; subresource?: string } = {},
  ): Promise<T> {
    const q = `?fieldManager=${encodeURIComponent(this.fieldManager)}&force=${options.force ?? true}`;
    return this.request<T>(
      "PATCH",
      resourcePath(obj, obj.metadata.namespace, obj.metadata.name, options.subresource) + q,
      obj,
      "application/apply-patch+yaml",
    );
  }

  /** JSON merge patch (RFC 7386), optionally of a subresource such as status. */
  mergePatch<T extends KubeObject>(
    ref: KindRef,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    subresource?: string,
  ): Promise<T> {
    return this.request<T>(
      "PATCH",
      resourcePath(ref, namespace, name, subresource) +
        `?fieldManager=${encodeURIComponent(this.fieldManager)}`,
      patch,
      "application/merge-patch+json",
    );
  }

  delete(ref: KindRef, namespace: string | undefined, name: string): Promise<unknown> {
    return this.request("DELETE", resourcePath(ref, namespace, name), {
      propagationPolicy: "Background",
    });
  }
}
