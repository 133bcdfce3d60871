import { fileURLToPath } from "node:url";

export { createReleaseService } from "./service.js";
export { compareSemver, isSemver } from "./semver.js";

export const RELEASES_MIGRATIONS = {
  service: "releases",
  directory: fileURLToPath(new URL("../migrations", import.meta.url)),
};
