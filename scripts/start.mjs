#!/usr/bin/env node
// `npm start`: the whole local network on one machine — embedded Postgres + coordinator + one
// provider serving the bundled test model. Installs what is missing first. Ctrl-C stops it all.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (!existsSync(path.join(root, "node_modules", "tsx"))) {
  console.log("Installing npm dependencies…");
  run("npm", ["install", "--no-audit", "--no-fund"]);
}
// The console (its own npm project): installed and built once, served by the coordinator.
const consoleDir = path.join(root, "console");
if (!existsSync(path.join(consoleDir, "dist", "console", "browser", "index.html"))) {
  if (!existsSync(path.join(consoleDir, "node_modules", "@angular", "cli"))) {
    console.log("Installing the console's npm dependencies…");
    run("npm", ["ci", "--prefix", "console", "--no-audit", "--no-fund"]);
  }
  console.log("Building the console…");
  run("npm", ["run", "build", "--prefix", "console"]);
}
// LAPACK/OpenBLAS for MLX: installed when we may, else one sentence saying what to install.
run(process.execPath, ["--import", "tsx", "scripts/ensure-system-libraries.ts"]);
const modelDir = path.join(root, "provider/test-model/out/tiny-llama");
run(process.execPath, ["--import", "tsx", "provider/test-model/generate.ts", modelDir]);

const children = [];
// The coordinator runs under its own TypeScript loader, as in production (libs/ts-loader); the
// provider under tsx.
const start = (entry, args, env, loader = "tsx") => {
  const child = spawn(process.execPath, ["--import", loader, entry, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`${entry} exited (${code ?? signal}); stopping.`);
      stop(1);
    }
  });
  return child;
};

let stopping = false;
const stop = (code = 0) => {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill("SIGTERM");
  const force = setTimeout(() => children.forEach((c) => c.kill("SIGKILL")), 15_000);
  Promise.all(
    children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once("exit", r)))),
  ).then(() => {
    clearTimeout(force);
    process.exit(code);
  });
};
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

// The local network: providers on this machine join without a provider token or attestation.
// The coordinator says so in a banner; a real deployment sets DARKBLOOM_SECURITY_MODE=production.
const coordinator = start(
  "services/coordinator/src/main.ts",
  [],
  { DARKBLOOM_SECURITY_MODE: process.env.DARKBLOOM_SECURITY_MODE || "development" },
  "@darkbloom/ts-loader/register",
);
let out = "";
coordinator.stdout.on("data", (buf) => {
  process.stdout.write(buf);
  if (out === null) return;
  out += buf.toString();
  const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
  const key = /Admin API key[^:]*: (\S+)/.exec(out)?.[1];
  if (!url || !key) return;
  out = null;
  const provider = start(
    "provider/src/cli/main.ts",
    ["start", "--coordinator", url, "--model", modelDir],
    {
      DARKBLOOM_HOME: path.join(root, ".data", "provider"),
    },
  );
  provider.stdout.on("data", (b) => process.stdout.write(b));
  console.log(`
Darkbloom is up.
  Base URL: ${url}/v1
  Console:  ${url}/console/
  API key:  ${key}
  Model:    tiny-llama

  curl ${url}/v1/chat/completions -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\
    -d '{"model":"tiny-llama","messages":[{"role":"user","content":"Hello!"}],"max_tokens":32}'
`);
});
