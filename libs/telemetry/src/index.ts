export { createLogger, errorMessage } from "./logger.js";
export type { Logger, LogFields, LogLevel, LoggerOptions } from "./logger.js";
export { createMetricsRegistry, Counter, Gauge, Histogram, Registry } from "./metrics.js";
export { createUnexpectedErrors, guardProcess } from "./unexpected-errors.js";
export { ignoreOutputErrors } from "./output-errors.js";
export type { OutputStream } from "./output-errors.js";
export type { GuardedProcess, UnexpectedErrors, UnexpectedSource } from "./unexpected-errors.js";
