// The embedded server lives in @darkbloom/db (the coordinator uses it too); tests reach it here.
export {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from "@darkbloom/db";
