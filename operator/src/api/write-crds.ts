// Writes charts/darkbloom/crds/*.yaml from the schemas (npm run gen:operator).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CRD_FILES, renderCrdYaml } from "./crds.js";

const dir = fileURLToPath(new URL("../../../charts/darkbloom/crds/", import.meta.url));
for (const [file, crd] of Object.entries(CRD_FILES)) writeFileSync(dir + file, renderCrdYaml(crd));
