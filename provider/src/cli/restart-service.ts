// Restarts the installed launchd/systemd service so it runs the new versions/current.
import { spawnSync } from "node:child_process";
import { stat } from "node:fs/promises";
import { LAUNCHD_LABEL, SYSTEMD_UNIT, serviceFile } from "./service-files.js";

export type RestartOutcome = "restarted" | "not-installed" | "restart-failed";

export async function restartService(platform: string = process.platform): Promise<RestartOutcome> {
  const svc = await serviceFile(
    { command: [], home: "", logFile: "", drainTimeoutMs: 0 },
    platform,
  );
  const installed = await stat(svc.path).then(
    () => true,
    () => false,
  );
  if (!installed) return "not-installed";
  const cmd =
    svc.kind === "launchd"
      ? ["launchctl", "kickstart", "-k", `gui/${process.getuid?.() ?? 501}/${LAUNCHD_LABEL}`]
      : ["systemctl", "--user", "restart", SYSTEMD_UNIT];
  const r = spawnSync(cmd[0] ?? "", cmd.slice(1), { stdio: "ignore" });
  return r.status === 0 ? "restarted" : "restart-failed";
}
