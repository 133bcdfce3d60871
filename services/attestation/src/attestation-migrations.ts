import { fileURLToPath } from "node:url";
import type { MigrationSource } from "@darkbloom/db";

/** The attestation service's tables (MDM device enrollment). */
export const attestationMigrations: MigrationSource = {
  service: "attestation",
  directory: fileURLToPath(new URL("../migrations", import.meta.url)),
};
