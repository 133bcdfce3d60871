export { readEnv, ConfigError } from "./read-env.js";
