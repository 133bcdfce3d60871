export { createEdgeRoutes } from "./edge-handler.js";
export {
  BODY_TOO_LARGE_METRIC,
  createFrontDoor,
  type BodyLimits,
  type FrontDoor,
  type FrontDoorOptions,
} from "./front-door/front-door.js";
export { bodyLimits } from "./front-door/body-limits.js";
export { RouteTable, conflicts } from "./front-door/route-table.js";
export { TrafficRing, type TrafficInterval, type TrafficSample } from "./timing/traffic-ring.js";
export { isInferenceRequest } from "./inference-request.js";
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
export { sealedReservationTokenKey } from "./sealed-reservation-token-key.js";
