// Test helpers of the routing service (tests, e2e and benches only; never production code).
export { MemorySessions, type MemorySession } from "./memory-sessions.js";
