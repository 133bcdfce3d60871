import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Just enough of a Kubernetes API server for `helm install --dry-run=server`: discovery for the
 * kinds the chart renders, GET of single objects (404 unless seeded), empty lists (Helm's release
 * storage finds no release). It lets Helm's `lookup` see existing Secrets, so the tests can check
 * that generated secrets survive an upgrade and that NOTES.txt renders. Read-only: writes get 405.
 */
export interface FakeKubeApi {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

type Resource = { name: string; kind: string; namespaced: boolean };

const GROUPS: Record<string, Resource[]> = {
  v1: [
    { name: "secrets", kind: "Secret", namespaced: true },
    { name: "services", kind: "Service", namespaced: true },
    { name: "serviceaccounts", kind: "ServiceAccount", namespaced: true },
    { name: "configmaps", kind: "ConfigMap", namespaced: true },
    { name: "namespaces", kind: "Namespace", namespaced: false },
  ],
  "apps/v1": [
    { name: "deployments", kind: "Deployment", namespaced: true },
    { name: "statefulsets", kind: "StatefulSet", namespaced: true },
  ],
  "rbac.authorization.k8s.io/v1": [
    { name: "roles", kind: "Role", namespaced: true },
    { name: "rolebindings", kind: "RoleBinding", namespaced: true },
    { name: "clusterroles", kind: "ClusterRole", namespaced: false },
    { name: "clusterrolebindings", kind: "ClusterRoleBinding", namespaced: false },
  ],
  "policy/v1": [{ name: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true }],
  "networking.k8s.io/v1": [
    { name: "ingresses", kind: "Ingress", namespaced: true },
    { name: "networkpolicies", kind: "NetworkPolicy", namespaced: true },
  ],
  "darkbloom.dev/v1alpha1": [
    { name: "coordinators", kind: "Coordinator", namespaced: true },
    { name: "warmpools", kind: "WarmPool", namespaced: true },
  ],
};

const resourceList = (groupVersion: string) => ({
  kind: "APIResourceList",
  apiVersion: "v1",
  groupVersion,
  resources: GROUPS[groupVersion]!.map((r) => ({
    name: r.name,
    singularName: r.kind.toLowerCase(),
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  })),
});

export async function startFakeKubeApi(
  seed: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }[],
): Promise<FakeKubeApi> {
  const requests: string[] = [];
  const objects = new Map<string, unknown>();
  for (const o of seed) {
    const r = GROUPS[o.apiVersion]?.find((x) => x.kind === o.kind);
    if (!r) throw new Error(`fake API does not serve ${o.apiVersion} ${o.kind}`);
    const prefix = o.apiVersion === "v1" ? "/api/v1" : `/apis/${o.apiVersion}`;
    const ns = r.namespaced ? `/namespaces/${o.metadata.namespace}` : "";
    objects.set(`${prefix}${ns}/${r.name}/${o.metadata.name}`, o);
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const status = (code: number, reason: string) =>
      send(code, {
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        reason,
        code,
        message: reason,
      });
    if (req.method !== "GET") return status(405, "MethodNotAllowed");
    const p = url.pathname;
    if (p === "/version")
      return send(200, { major: "1", minor: "31", gitVersion: "v1.31.0", platform: "linux/amd64" });
    if (p === "/api")
      return send(200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
    if (p === "/apis")
      return send(200, {
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: Object.keys(GROUPS)
          .filter((gv) => gv.includes("/"))
          .map((gv) => {
            const [group, version] = gv.split("/") as [string, string];
            const v = { groupVersion: gv, version };
            return { name: group, versions: [v], preferredVersion: v };
          }),
      });
    if (p === "/api/v1") return send(200, resourceList("v1"));
    const groupVersion = /^\/apis\/([^/]+\/[^/]+)$/.exec(p)?.[1];
    if (groupVersion && GROUPS[groupVersion]) return send(200, resourceList(groupVersion));
    const found = objects.get(p);
    if (found) return send(200, found);
    // A collection (ends in a resource name): an empty list.
    const last = p.split("/").pop() ?? "";
    if (Object.values(GROUPS).some((rs) => rs.some((r) => r.name === last)))
      return send(200, {
        kind: "List",
        apiVersion: "v1",
        metadata: { resourceVersion: "1" },
        items: [],
      });
    return status(404, "NotFound");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
