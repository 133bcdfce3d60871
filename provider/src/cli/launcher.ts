// The stable entry point the launchd/systemd service runs: `<home>/bin/darkbloom` execs the
// version `<home>/versions/current` points at (installed by install.sh or `darkbloom update`), and
// falls back to the command that installed the service (a source checkout) when there is none.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

/** POSIX shell single quoting. */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function launcherScript(home: string, fallback: readonly string[]): string {
  const fallbackLine =
    fallback.length > 0
      ? `exec ${fallback.map(shQuote).join(" ")} "$@"`
      : `echo "darkbloom: no version installed under $DARKBLOOM_HOME/versions; run install.sh again" >&2\nexit 1`;
  return `#!/bin/sh
# Written by darkbloom (install.sh / install-service / update): runs versions/current.
DARKBLOOM_HOME="\${DARKBLOOM_HOME:-${home.replace(/["\\$`]/g, "\\$&")}}"
export DARKBLOOM_HOME
current="$DARKBLOOM_HOME/versions/current/bin/darkbloom"
if [ -x "$current" ]; then exec "$current" "$@"; fi
${fallbackLine}
`;
}

/** Writes `<home>/bin/darkbloom` (mode 755) and returns its path. */
export async function installLauncher(
  launcherPath: string,
  home: string,
  fallback: readonly string[],
): Promise<string> {
  await mkdir(path.dirname(launcherPath), { recursive: true });
  await writeFile(launcherPath, launcherScript(home, fallback));
  await chmod(launcherPath, 0o755);
  return launcherPath;
}
