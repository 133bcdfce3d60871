import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface ServiceSpec {
  /** argv that runs `darkbloom start` in the foreground (the service manager supervises it). */
  command: string[];
  home: string;
  logFile: string;
  drainTimeoutMs: number;
}

export interface ServiceFile {
  kind: "launchd" | "systemd";
  path: string;
  content: string;
  /** Commands that activate / deactivate the service. */
  enable: string[][];
  disable: string[][];
}

const TEMPLATES = fileURLToPath(new URL("../../", import.meta.url));
export const LAUNCHD_LABEL = "dev.darkbloom.provider";
export const SYSTEMD_UNIT = "darkbloom-provider.service";

const xml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
/** systemd quoting: double quotes, backslash-escaped `"` and `\`, `%` doubled. */
const sd = (s: string): string =>
  `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")}"`;

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_m, k: string) => values[k] ?? "");
}

/** The LaunchAgent plist (macOS) or systemd user unit (elsewhere) for this provider. */
export async function serviceFile(
  spec: ServiceSpec,
  platform: string,
  userHome = os.homedir(),
): Promise<ServiceFile> {
  const exitTimeoutS = String(Math.ceil(spec.drainTimeoutMs / 1000) + 15);
  if (platform === "darwin") {
    const file = path.join(userHome, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
    const template = await readFile(
      path.join(TEMPLATES, "launchd", `${LAUNCHD_LABEL}.plist`),
      "utf8",
    );
    return {
      kind: "launchd",
      path: file,
      content: fill(template, {
        PROGRAM_ARGUMENTS: spec.command.map((a) => `    <string>${xml(a)}</string>`).join("\n"),
        DARKBLOOM_HOME: xml(spec.home),
        LOG_FILE: xml(spec.logFile),
        EXIT_TIMEOUT_S: exitTimeoutS,
      }),
      enable: [["launchctl", "bootstrap", `gui/${process.getuid?.() ?? 501}`, file]],
      disable: [["launchctl", "bootout", `gui/${process.getuid?.() ?? 501}/${LAUNCHD_LABEL}`]],
    };
  }
  const file = path.join(userHome, ".config", "systemd", "user", SYSTEMD_UNIT);
  const template = await readFile(path.join(TEMPLATES, "systemd", SYSTEMD_UNIT), "utf8");
  return {
    kind: "systemd",
    path: file,
    content: fill(template, {
      EXEC_START: spec.command.map(sd).join(" "),
      ENVIRONMENT: sd(`DARKBLOOM_HOME=${spec.home}`),
      LOG_FILE: spec.logFile,
      EXIT_TIMEOUT_S: exitTimeoutS,
    }),
    enable: [
      ["systemctl", "--user", "daemon-reload"],
      ["systemctl", "--user", "enable", "--now", SYSTEMD_UNIT],
    ],
    disable: [["systemctl", "--user", "disable", "--now", SYSTEMD_UNIT]],
  };
}
