import { expect } from "chai";
import { serviceFile } from "./service-files.js";

const spec = {
  command: ["/usr/bin/node", "--import", "tsx", "/opt/darkbloom & co/main.ts", "start"],
  home: "/Users/a/.darkbloom",
  logFile: "/Users/a/.darkbloom/logs/daemon.log",
  drainTimeoutMs: 30_000,
};

describe("serviceFile", () => {
  it("writes a LaunchAgent plist on macOS with escaped arguments, KeepAlive and the drain timeout", async () => {
    const f = await serviceFile(spec, "darwin", "/Users/a");
    expect(f.path).to.equal("/Users/a/Library/LaunchAgents/dev.darkbloom.provider.plist");
    expect(f.content).to.contain("<string>/opt/darkbloom &amp; co/main.ts</string>");
    expect(f.content).to.contain("<key>ExitTimeOut</key>\n  <integer>45</integer>");
    expect(f.content).to.contain("<string>/Users/a/.darkbloom</string>");
    expect(f.content).to.not.match(/\{\{[A-Z_]+\}\}/);
    expect(f.enable[0]?.[0]).to.equal("launchctl");
  });

  it("writes a systemd user unit elsewhere with quoted ExecStart", async () => {
    const f = await serviceFile(spec, "linux", "/home/a");
    expect(f.path).to.equal("/home/a/.config/systemd/user/darkbloom-provider.service");
    expect(f.content).to.contain(
      'ExecStart="/usr/bin/node" "--import" "tsx" "/opt/darkbloom & co/main.ts" "start"',
    );
    expect(f.content).to.contain("TimeoutStopSec=45");
    expect(f.content).to.not.match(/\{\{[A-Z_]+\}\}/);
  });
});
