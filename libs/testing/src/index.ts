// The whole public surface of @darkbloom/testing (tests and e2e only).
export {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from "./embedded-postgres.js";
export { startTestDatabase, type TestDatabase, type TestDatabaseOptions } from "./test-database.js";
