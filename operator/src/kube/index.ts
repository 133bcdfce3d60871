// The operator's only door to Kubernetes (the sole importer of @kubernetes/client-node).
export {
  KubeClient,
  loadKubeConfig,
  type KubeList,
  type KubeObject,
  type OwnerReference,
} from "./kube-client.js";
export { KubeError, isConflict, isNotFound } from "./kube-error.js";
export { Informer, type InformerOptions } from "./informer.js";
export { resourcePath, pluralOf, type KindRef } from "./resource-path.js";
