// Run by `npm start` before anything loads MLX: installs LAPACK/OpenBLAS when it may (root with
// apt-get, as .ci/run does), otherwise prints one sentence naming them and exits 1.
import path from "node:path";
import {
  aptInstall,
  canAptInstall,
  ensureSystemLibraries,
  probeMlx,
} from "../provider/src/engine/mlx-backend/system-libraries.js";

const root = path.resolve(import.meta.dirname, "..");
const result = ensureSystemLibraries({
  probe: () => probeMlx(root),
  canInstall: canAptInstall(),
  install: aptInstall,
  log: (line) => process.stdout.write(`${line}\n`),
});
if (!result.ok) {
  process.stderr.write(`${result.message}\n`);
  process.exit(1);
}
