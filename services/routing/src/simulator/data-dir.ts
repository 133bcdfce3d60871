import { fileURLToPath } from "node:url";

/** The shipped synthetic traces and fleet: data, kept outside `src/` (services/routing/testdata/simulator/). */
export const SIM_DATA_DIR = fileURLToPath(new URL("../../testdata/simulator", import.meta.url));
