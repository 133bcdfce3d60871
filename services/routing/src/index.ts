export { createRoutingService } from "./service.js";
export type { RoutingDeps } from "./service.js";
export { DEFAULT_ROUTER_OPTIONS, Router, type RouterOptions } from "./router.js";
export { DEFAULT_HEDGE, type HedgeOptions } from "./hedging/hedge-delay.js";
export { createRoutingMetrics, type RoutingMetrics } from "./routing-metrics.js";
export { ProviderGateway } from "./gateway/gateway.js";
export type { GatewayOptions } from "./gateway/gateway.js";
export type { ProviderSession } from "./gateway/provider-session.js";
export { ProviderRegistry } from "./registry/provider-registry.js";
export { Reservations } from "./reservations.js";
export {
  WarmPoolController,
  type WarmPool,
  type WarmPoolModelStatus,
  type WarmPoolTarget,
} from "./warm-pool/warm-pool-controller.js";
export { PREFIX_BLOCK_TOKENS } from "./scheduler/scorers/prefix-affinity.js";
export { BUILTIN_PROFILES, resolveProfile, type Profile } from "./scheduler/profile.js";
export { Scheduler, type Decision } from "./scheduler/scheduler.js";
export type { ProviderView, RouteRequest, SlotView } from "./scheduler/types.js";
export type { ProviderHandle } from "./registry/provider-handle.js";
export type { PeerAddress, PeerLink } from "./peers/peer-link.js";
export { RemoteProvider } from "./peers/remote-provider.js";
export { forwardInferTo, type ForwardSink } from "./peers/forward-handler.js";
export { Presence, type PresenceOptions } from "./presence/presence.js";
export { routingMigrations } from "./presence/presence-migrations.js";
export { AsyncQueue } from "./async-queue.js";
