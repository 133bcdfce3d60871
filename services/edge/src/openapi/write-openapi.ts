// Rewrites docs/openapi.json from the document the edge serves:
//   npx tsx services/edge/src/openapi/write-openapi.ts
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { OPENAPI_DOCUMENT } from "./document.js";

const target = fileURLToPath(new URL("../../../../docs/openapi.json", import.meta.url));
writeFileSync(target, `${JSON.stringify(OPENAPI_DOCUMENT, null, 2)}\n`);
