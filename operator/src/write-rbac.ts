// Writes operator/rbac-rules.json from rbac.ts (npm run gen:operator).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderRbacJson } from "./rbac.js";

writeFileSync(fileURLToPath(new URL("../rbac-rules.json", import.meta.url)), renderRbacJson());
