// Runs the fake node as a process: every Pod runs the coordinator from this checkout.
//   node --import tsx operator/testing/fake-kubelet/serve.ts http://127.0.0.1:PORT
import { fileURLToPath } from "node:url";
import { inheritedEnv } from "../config.js";
import { FakeKubelet } from "./fake-kubelet.js";

const server = process.argv[2];
if (!server) throw new Error("usage: serve.ts <fake API server URL>");
const root = fileURLToPath(new URL("../../../", import.meta.url));
const kubelet = FakeKubelet.start({
  server,
  command: () => ({
    cmd: process.execPath,
    // As the image's entry point runs it (services/coordinator/Dockerfile).
    args: ["--import", "@darkbloom/ts-loader/register", "services/coordinator/src/main.ts"],
    cwd: root,
  }),
  baseEnv: { PATH: inheritedEnv().PATH, LOG_LEVEL: "warn" },
  log: (line) => process.stdout.write(line + "\n"),
});
process.stdout.write("Fake kubelet running\n");
const stop = () => void kubelet.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
