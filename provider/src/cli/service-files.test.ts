import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
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

describe("service files, parsed as launchd and systemd read them", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "darkbloom-svc-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("the LaunchAgent is a valid plist with the keys launchd needs", async () => {
    const f = await serviceFile(spec, "darwin", "/Users/a");
    // plist 5 is ESM-only ("import" condition): loaded the ESM way from this CJS-compiled test.
    const plist = await import("plist");
    const parsed = plist.parse(f.content) as Record<string, unknown>;
    expect(parsed).to.deep.include({
      Label: "dev.darkbloom.provider",
      ProgramArguments: spec.command,
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ExitTimeOut: 45,
      ProcessType: "Interactive",
      StandardOutPath: spec.logFile,
      StandardErrorPath: spec.logFile,
      EnvironmentVariables: { DARKBLOOM_HOME: spec.home },
    });
  });

  it("the systemd user unit passes systemd-analyze verify (or, without it, has every key)", async () => {
    // systemd checks that ExecStart is executable: point it at this node binary.
    const f = await serviceFile(
      { ...spec, command: [process.execPath, "start"], logFile: path.join(dir, "daemon.log") },
      "linux",
      dir,
    );
    const unit = path.join(dir, "darkbloom-provider.service");
    await writeFile(unit, f.content);
    const analyze = spawnSync("sh", ["-c", "command -v systemd-analyze"]);
    if (analyze.status === 0) {
      const r = spawnSync("systemd-analyze", ["verify", unit]);
      expect(r.stderr.toString()).to.equal("");
      expect(r.status).to.equal(0);
    }
    const keys = new Map(
      f.content
        .split("\n")
        .filter((l) => /^[A-Za-z]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    expect(keys.get("ExecStart")).to.equal(`"${process.execPath}" "start"`);
    expect(keys.get("Restart")).to.equal("on-failure");
    expect(keys.get("KillSignal")).to.equal("SIGTERM");
    expect(keys.get("WantedBy")).to.equal("default.target");
  });

  it("systemd-analyze (when present) rejects a broken unit, so the check above can fail", async () => {
    const analyze = spawnSync("sh", ["-c", "command -v systemd-analyze"]);
    const unit = path.join(dir, "broken.service");
    await writeFile(unit, "[Service]\nType=bogus\nExecStart=/nonexistent/darkbloom start\n");
    const r = analyze.status === 0 ? spawnSync("systemd-analyze", ["verify", unit]) : undefined;
    expect(r === undefined || r.status !== 0 || r.stderr.toString() !== "").to.equal(true);
  });
});
