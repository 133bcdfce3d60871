import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { CHART } from "./helm.js";
import type { StructuralSchema } from "./structural-schema.js";

/**
 * The schemas the chart's Coordinator and WarmPool resources are checked against: the CRDs'
 * openAPIV3Schema when charts/darkbloom/crds/ holds them, else schemas derived by hand from the
 * contract in CRDS.md (group darkbloom.dev, version v1alpha1) until the CRDs land.
 */
export interface CustomResourceSchema {
  source: string;
  schema: StructuralSchema;
}

const int = (minimum?: number): StructuralSchema => ({
  type: "integer",
  ...(minimum !== undefined ? { minimum } : {}),
});
const str = (extra: Partial<StructuralSchema> = {}): StructuralSchema => ({
  type: "string",
  ...extra,
});
const obj = (
  properties: Record<string, StructuralSchema>,
  required: string[] = [],
): StructuralSchema => ({
  type: "object",
  properties,
  ...(required.length ? { required } : {}),
});
const secretRef = obj({ name: str({ minLength: 1 }), key: str({ minLength: 1 }) }, ["name", "key"]);
const quantities: StructuralSchema = {
  type: "object",
  additionalProperties: { "x-kubernetes-int-or-string": true },
};
const metadata: StructuralSchema = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
const hhmm = str({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$" });

const coordinatorFromContract = obj(
  {
    apiVersion: str(),
    kind: str(),
    metadata,
    spec: obj(
      {
        image: str({ minLength: 1 }),
        version: str({ minLength: 1 }),
        replicas: int(0),
        autoscaling: obj(
          { minReplicas: int(1), maxReplicas: int(1), targetActiveStreamsPerReplica: int(1) },
          ["minReplicas", "maxReplicas"],
        ),
        database: obj({ secretRef: obj({ name: str({ minLength: 1 }), key: str() }, ["name"]) }, [
          "secretRef",
        ]),
        secrets: obj({
          prefixHashSecret: secretRef,
          keyEncryptionKey: secretRef,
          adminKey: secretRef,
          peerSecret: secretRef,
        }),
        resources: obj({ requests: quantities, limits: quantities }),
        service: obj({
          type: str({ enum: ["ClusterIP", "NodePort", "LoadBalancer"] }),
          port: int(1),
        }),
        metrics: obj({ serviceMonitor: { type: "boolean" }, port: int(1) }),
        terminationGracePeriodSeconds: int(0),
        config: {
          type: "array",
          items: obj(
            { name: str({ pattern: "^(DARKBLOOM_[A-Z0-9_]+|LOG_LEVEL)$" }), value: str() },
            ["name", "value"],
          ),
        },
      },
      ["image", "version"],
    ),
  },
  ["spec"],
);

const warmPoolFromContract = obj(
  {
    apiVersion: str(),
    kind: str(),
    metadata,
    spec: obj(
      {
        coordinatorRef: obj({ name: str({ minLength: 1 }) }, ["name"]),
        model: str({ minLength: 1 }),
        minWarmProviders: int(0),
        maxWarmProviders: int(0),
        targetUtilizationPercent: { type: "integer", minimum: 1, maximum: 100 },
        maxLoadsPerMinute: int(0),
        schedule: {
          type: "array",
          items: obj(
            {
              days: {
                type: "array",
                items: str({ enum: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] }),
              },
              start: hhmm,
              end: hhmm,
              minWarmProviders: int(0),
            },
            ["days", "start", "end", "minWarmProviders"],
          ),
        },
      },
      ["coordinatorRef", "model"],
    ),
  },
  ["spec"],
);

interface CrdDocument {
  kind?: string;
  spec?: {
    group?: string;
    names?: { kind?: string };
    versions?: { name: string; schema?: { openAPIV3Schema?: StructuralSchema } }[];
  };
}

/** CRDs in charts/darkbloom/crds/, by kind (empty until the operator work adds them). */
export function chartCrds(): Map<string, { file: string; schema: StructuralSchema }> {
  const dir = path.join(CHART, "crds");
  const found = new Map<string, { file: string; schema: StructuralSchema }>();
  if (!existsSync(dir)) return found;
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    for (const doc of parseAllDocuments(readFileSync(path.join(dir, file), "utf8"))) {
      const crd = doc.toJS() as CrdDocument | null;
      if (crd?.kind !== "CustomResourceDefinition" || crd.spec?.group !== "darkbloom.dev") continue;
      const version = crd.spec.versions?.find((v) => v.name === "v1alpha1");
      const kind = crd.spec.names?.kind;
      if (kind && version?.schema?.openAPIV3Schema)
        found.set(kind, { file: `crds/${file}`, schema: version.schema.openAPIV3Schema });
    }
  }
  return found;
}

export function customResourceSchema(kind: string): CustomResourceSchema {
  const crd = chartCrds().get(kind);
  if (crd) {
    // The API server validates metadata itself (a CRD may only say `type: object` for it).
    const schema: StructuralSchema = {
      ...crd.schema,
      properties: { apiVersion: str(), kind: str(), ...crd.schema.properties, metadata },
    };
    return { source: crd.file, schema };
  }
  if (kind === "Coordinator")
    return { source: "CRDS.md contract", schema: coordinatorFromContract };
  if (kind === "WarmPool") return { source: "CRDS.md contract", schema: warmPoolFromContract };
  throw new Error(`no schema for custom kind ${kind}`);
}
