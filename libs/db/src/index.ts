// The whole public surface of @darkbloom/db.
export { createPool, type DbConnection, type PoolOptions } from "./connection.js";
export { withSessionLocks } from "./session-locks.js";
export { boolArrayLiteral, int8ArrayLiteral, textArrayLiteral } from "./array-parameter.js";
export { runMigrations, type MigrationSource, type MigrationReport } from "./run-migrations.js";
export { readMigrations, type Migration } from "./migration-files.js";
export {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from "./embedded.js";
export { pickFreePort } from "./free-port.js";
export {
  sql,
  BackendTerminatedError,
  BackendTerminatedUnexpectedlyError,
  ConnectionError,
  ForeignKeyIntegrityConstraintViolationError,
  UniqueIntegrityConstraintViolationError,
  type DatabasePool,
  type DatabasePoolConnection,
  type DatabaseTransactionConnection,
} from "slonik";
export { listenChannel, type Listener, type ListenHooks } from "./listen.js";
export {
  GroupCommitQueue,
  isDatabaseUnreachable,
  type BatchOutcome,
  type GroupCommitOptions,
} from "./group-commit.js";
