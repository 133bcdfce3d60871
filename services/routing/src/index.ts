export { createRoutingService } from "./service.js";
export type { RoutingDeps } from "./service.js";
export { ProviderGateway } from "./gateway/gateway.js";
export type { GatewayOptions } from "./gateway/gateway.js";
export { ProviderRegistry } from "./registry/provider-registry.js";
export { Reservations } from "./reservations.js";
