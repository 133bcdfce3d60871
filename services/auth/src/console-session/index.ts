// Console cookie sessions with CSRF tokens (docs/console.md, "Sessions and CSRF").
import { fileURLToPath } from "node:url";
import type { MigrationSource } from "@darkbloom/db";

export const consoleSessionMigrations: MigrationSource = {
  service: "auth-console-sessions",
  directory: fileURLToPath(new URL("./migrations", import.meta.url)),
};
export {
  createConsoleSessions,
  SAFE_METHODS,
  type ConsoleSessionOptions,
  type ConsoleSessions,
  type IssuedSession,
  type SessionCheck,
  type SessionRequest,
} from "./console-sessions.js";
export { pruneSessions } from "./session-store.js";
