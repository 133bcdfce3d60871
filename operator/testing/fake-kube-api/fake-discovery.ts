// Discovery documents (/api, /apis, resource lists), OpenAPI v3 (enough for kubectl to send
// fieldValidation and apply server-side) and Table output for `kubectl get`.
import { getDotted, type Json, type JsonObject } from "./fake-json.js";
import { apiVersionOf, type ResourceType } from "./fake-resource-types.js";
import { metaOf } from "./fake-store.js";

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export function groupVersions(types: ResourceType[]): Map<string, ResourceType[]> {
  const out = new Map<string, ResourceType[]>();
  for (const t of types) {
    const gv = apiVersionOf(t);
    out.set(gv, [...(out.get(gv) ?? []), t]);
  }
  return out;
}

export function coreVersions() {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }],
  };
}

export function apiGroupList(types: ResourceType[]) {
  const groups = new Map<string, string[]>();
  for (const t of types) {
    if (!t.group) continue;
    const vs = groups.get(t.group) ?? [];
    if (!vs.includes(t.version)) vs.push(t.version);
    groups.set(t.group, vs);
  }
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

export function apiResourceList(gv: string, types: ResourceType[]) {
  const resources: object[] = [];
  for (const t of types) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      shortNames: t.shortNames,
      ...(t.custom ? { categories: ["all"] } : {}),
    });
    if (t.status)
      resources.push({
        name: `${t.plural}/status`,
        singularName: "",
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ["get", "patch", "update"],
      });
    if (t.scale)
      resources.push({
        name: `${t.plural}/scale`,
        singularName: "",
        namespaced: t.namespaced,
        group: "autoscaling",
        version: "v1",
        kind: "Scale",
        verbs: ["get", "patch", "update"],
      });
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources };
}

const gvPath = (gv: string) => (gv.includes("/") ? `apis/${gv}` : `api/${gv}`);

export function openApiRoot(types: ResourceType[], hash: string) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of groupVersions(types).keys())
    paths[gvPath(gv)] = { serverRelativeURL: `/openapi/v3/${gvPath(gv)}?hash=${hash}` };
  return { paths };
}

/** One group-version's OpenAPI v3 document: a PATCH per kind that accepts fieldValidation. */
export function openApiGroupVersion(gv: string, types: ResourceType[]) {
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = {};
  for (const t of types) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const prefix = `/${gvPath(gv)}${t.namespaced ? "/namespaces/{namespace}" : ""}/${t.plural}/{name}`;
    const params = ["dryRun", "fieldManager", "fieldValidation", "force"].map((name) => ({
      name,
      in: "query",
      schema: { type: name === "force" ? "boolean" : "string" },
    }));
    const ref = { $ref: `#/components/schemas/${schemaName(t)}` };
    const op = (action: string) => ({
      operationId: `${action}${t.kind}`,
      parameters: params,
      responses: { "200": { content: { "application/json": { schema: ref } } } },
      "x-kubernetes-action": action,
      "x-kubernetes-group-version-kind": gvk,
    });
    paths[prefix] = { get: op("get"), put: op("put"), patch: op("patch"), delete: op("delete") };
    schemas[schemaName(t)] = {
      type: "object",
      ...(t.schema ? { properties: t.schema.properties } : {}),
      "x-kubernetes-preserve-unknown-fields": true,
      "x-kubernetes-group-version-kind": [gvk],
    };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes (fake)", version: "v1.31.0" },
    paths,
    components: { schemas },
  };
}

const schemaName = (t: ResourceType) =>
  `${t.group ? t.group.split(".").reverse().join(".") : "io.k8s.api.core"}.${t.version}.${t.kind}`;

function age(ts: string | undefined, now: number): string {
  if (!ts) return "<unknown>";
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h`;
}

/** A metav1 Table of `objects`, with the CRD's printer columns for custom kinds. */
export function table(
  t: ResourceType,
  objects: JsonObject[],
  includeObject: string | null,
  rv: string,
  now: number,
) {
  const extra = t.printerColumns.filter((c) => c.name !== "Age");
  const columnDefinitions = [
    { name: "Name", type: "string", format: "name", description: "Name", priority: 0 },
    ...extra.map((c) => ({
      name: c.name,
      type: c.type,
      format: "",
      description: c.name,
      priority: 0,
    })),
    { name: "Age", type: "string", format: "", description: "Age", priority: 0 },
  ];
  const rows = objects.map((o) => {
    const cells: Json[] = [metaOf(o).name];
    for (const c of extra) {
      const v = getDotted(o, c.jsonPath);
      cells.push(c.type === "date" ? age(v as string, now) : v === undefined ? null : v);
    }
    cells.push(age(metaOf(o).creationTimestamp, now));
    const object =
      includeObject === "Object"
        ? o
        : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
    return { cells, object };
  });
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion: rv },
    columnDefinitions,
    rows,
  };
}
