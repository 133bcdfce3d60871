// The operator package's public surface (for e2e and the chart tests).
export { CRD_FILES, renderCrdYaml, coordinatorCrd, warmPoolCrd } from "./api/crds.js";
export type { Coordinator, CoordinatorSpec } from "./api/coordinator.js";
export type { WarmPool, WarmPoolSpec } from "./api/warmpool.js";
export { loadOperatorConfig, type OperatorConfig } from "./config.js";
export { Operator, FIELD_MANAGER } from "./operator.js";
export { RBAC_RULES } from "./rbac.js";
