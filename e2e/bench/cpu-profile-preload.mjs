// Preloaded with NODE_OPTIONS=--import=<this file> (Node 20 refuses --cpu-prof in NODE_OPTIONS):
// profiles the whole process with the inspector and writes <DARKBLOOM_BENCH_CPU_PROF_DIR>/<pid>.cpuprofile
// when it exits. Bench tooling only.
import { Session } from "node:inspector";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const dir = process.env.DARKBLOOM_BENCH_CPU_PROF_DIR ?? ".";
const session = new Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.setSamplingInterval", { interval: 200 });
session.post("Profiler.start");
process.on("exit", () => {
  // A same-thread inspector session answers synchronously.
  session.post("Profiler.stop", (err, res) => {
    if (err) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(res.profile));
  });
});
