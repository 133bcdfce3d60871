import type { KubeObject } from "./helm.js";
import { customResourceSchema } from "./custom-resources.js";
import { validateStructural } from "./structural-schema.js";

type Model = new (data: unknown) => { validate(): void };

/** kubernetes-models module path of an apiVersion: core "v1" → "v1", "apps/v1" → "apps/v1". */
const modulePath = (apiVersion: string, kind: string): string =>
  `kubernetes-models/${apiVersion}/${kind}`;

/**
 * Validates one rendered object: built-in kinds against the Kubernetes OpenAPI schema of their
 * kind (kubernetes-models), darkbloom.dev kinds against their CRD schema (or the CRDS.md contract).
 * Returns the problems found, empty when valid.
 */
export async function validateObject(object: KubeObject): Promise<string[]> {
  const label = `${object.kind}/${object.metadata?.name}`;
  if (object.apiVersion.startsWith("darkbloom.dev/")) {
    if (object.apiVersion !== "darkbloom.dev/v1alpha1")
      return [`${label}: unknown version ${object.apiVersion}`];
    const { source, schema } = customResourceSchema(object.kind);
    return validateStructural(object, schema).map((e) => `${label} (${source}): ${e}`);
  }
  let model: Model | undefined;
  try {
    const module = (await import(modulePath(object.apiVersion, object.kind))) as Record<
      string,
      unknown
    >;
    model = module[object.kind] as Model | undefined;
  } catch {
    model = undefined;
  }
  if (!model)
    return [
      `${label}: ${object.apiVersion} ${object.kind} is not a Kubernetes kind kubernetes-models knows`,
    ];
  try {
    new model(object).validate();
    return [];
  } catch (error) {
    return [`${label}: ${(error as Error).message}`];
  }
}

export async function validateObjects(objects: KubeObject[]): Promise<string[]> {
  return (await Promise.all(objects.map(validateObject))).flat();
}
