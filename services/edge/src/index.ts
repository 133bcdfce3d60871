export { createEdgeHandler } from "./edge-handler.js";
export { TrafficRing, type TrafficInterval, type TrafficSample } from "./timing/traffic-ring.js";
export { isInferenceRequest } from "./inference-request.js";
export type { EdgeHandler } from "./edge-handler.js";
export type { EdgeDeps, EdgeOptions, Principal } from "./edge-context.js";
export type { OperatorMachine } from "./account/account-deps.js";
export { EdgeError } from "./errors/edge-error.js";
export type { CatalogModel, ModelCatalog } from "./models/model-catalog.js";
export {
  createSealedDeps,
  sealedBodyMigrations,
  type SealedDeps,
  type SealedOptions,
} from "./sealed-body/index.js";
