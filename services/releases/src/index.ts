import { fileURLToPath } from "node:url";

export { createReleaseService } from "./service.js";
export { createReleasesRoutes, type ReleasesHttpDeps } from "./http/releases-http.js";
export { createModelRegistry, type ModelRegistry } from "./models/model-registry.js";

export const RELEASES_MIGRATIONS = {
  service: "releases",
  directory: fileURLToPath(new URL("../migrations", import.meta.url)),
};
