// Writes the test models. Deterministic and idempotent (see float-model.ts, quantize.ts).
// Usage: npx tsx provider/test-model/generate.ts [outDir]
// With outDir: only the float model, into outDir. Without: `tiny-llama` and the quantized
// variants (quantized-variants.ts) under provider/test-model/out.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateTestModel } from "./float-model.js";
import { generateQuantizedVariants } from "./quantized-variants.js";

export { DEFAULT_OUT_DIR, generateTestModel, OUT_ROOT } from "./float-model.js";

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2]) {
    console.log(`test model in ${generateTestModel(resolve(process.argv[2]))}`);
  } else {
    console.log(`test model in ${generateTestModel()}`);
    for (const dir of generateQuantizedVariants()) console.log(`quantized test model in ${dir}`);
  }
}
