export { compareSemver, isSemver } from "./semver.js";
