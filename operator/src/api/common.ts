// Schema pieces shared by the Darkbloom custom resources.
import { arr, enumOf, int64, obj, str, type Infer } from "./schema.js";

export const GROUP = "darkbloom.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/** metav1.Condition, as in every Kubernetes API's status.conditions. */
export const condition = obj(
  {
    type: str({ maxLength: 316, description: "Condition type (Ready, Progressing, Degraded)." }),
    status: enumOf(["True", "False", "Unknown"] as const),
    observedGeneration: int64({ minimum: 0 }),
    lastTransitionTime: str({ format: "date-time" }),
    reason: str({
      maxLength: 1024,
      minLength: 1,
      pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
    }),
    message: str({ maxLength: 32768 }),
  },
  ["type", "status", "lastTransitionTime", "reason", "message"],
);
export type Condition = Infer<typeof condition>;

export const conditions = arr(condition, {
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["type"],
});

/** Minimal object metadata the operator reads from a custom resource. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
}
