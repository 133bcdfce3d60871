import { fileURLToPath } from "node:url";
import type { MigrationSource } from "@darkbloom/db";

export const routingMigrations: MigrationSource = {
  service: "routing",
  directory: fileURLToPath(new URL("../../migrations", import.meta.url)),
};
