// Whether sealing to fresh ephemeral keys can hang the process:
//   npx tsx bench/ephemeral-key-stress.ts [--requests 200000] [--generated | --export-loop]
// Runs the coordinator's per-request sealing (one ephemeral key pair, three candidates: libs/crypto
// ephemeralBoxKeys) in a child process under allocation pressure, and reports 10 s without
// progress as a deadlock. `--generated` runs the former way instead (a generateKeyPairSync pair per
// candidate, its public key exported as JWK), which under Node 20 can deadlock when a garbage
// collection frees a pair's KeyGenJob while an export or agreement holds that pair's lock (a loop
// exporting one generated key hung within seconds, the main thread waiting on the mutex in
// ~KeyGenJob from the GC's weak callbacks: `--export-loop` does that; the per-request pattern's
// window is smaller: `--generated` hung after 38,000 and 32,000 requests, not in a run of 100,000).
import { createPublicKey, diffieHellman, generateKeyPairSync } from "node:crypto";
import { spawn } from "node:child_process";
import { ephemeralBoxKeys, generateKeyPair, sealWithSharedKey } from "@darkbloom/crypto";

const STALL_MS = 10_000;

function run(requests: number, generated: boolean, exportLoop: boolean): void {
  const kept = generateKeyPairSync("x25519");
  const peers = [0, 1, 2].map(() => generateKeyPair().publicKey);
  const peerKeys = peers.map((x) =>
    createPublicKey({
      key: { kty: "OKP", crv: "X25519", x: Buffer.from(x).toString("base64url") },
      format: "jwk",
    }),
  );
  const body = new Uint8Array(300);
  let junk: unknown[] = [];
  for (let i = 0; i < requests; i++) {
    if (exportLoop) {
      // one generated pair exported again and again: its KeyGenJob is freed by some GC meanwhile
      for (let k = 0; k < 3; k++) kept.publicKey.export({ format: "jwk" });
    } else if (generated) {
      for (const publicKey of peerKeys) {
        const pair = generateKeyPairSync("x25519");
        diffieHellman({ privateKey: pair.privateKey, publicKey });
        pair.publicKey.export({ format: "jwk" });
      }
    } else {
      const eph = ephemeralBoxKeys(peers);
      for (const key of eph.sharedKeys) sealWithSharedKey(key, body);
    }
    junk.push({ a: new Array(20).fill(i) });
    if (junk.length > 2000) junk = [];
    if ((i + 1) % 1000 === 0) process.stdout.write(`${i + 1}\n`);
  }
  process.stdout.write("done\n");
}

const args = process.argv.slice(2);
const at = args.indexOf("--requests");
const requests = at >= 0 ? Number(args[at + 1]) : 200_000;
const generated = args.includes("--generated");
const exportLoop = args.includes("--export-loop");
if (args.includes("--child")) {
  run(requests, generated, exportLoop);
} else {
  const child = spawn(
    process.execPath,
    [...process.execArgv, process.argv[1] ?? "", ...args, "--child"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const started = performance.now();
  let last = "0";
  let lastAt = started;
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (text: string) => {
    last = text.trim().split("\n").pop() ?? last;
    lastAt = performance.now();
  });
  const timer = setInterval(() => {
    if (performance.now() - lastAt < STALL_MS) return;
    console.log(`DEADLOCK: no progress for ${STALL_MS / 1000} s after ${last} requests`);
    clearInterval(timer);
    child.kill("SIGKILL");
    process.exitCode = 1;
  }, 500);
  child.on("exit", () => {
    clearInterval(timer);
    if (last !== "done") return;
    const each = ((performance.now() - started) * 1000) / requests;
    const how = exportLoop
      ? "one generated key exported 3 times"
      : generated
        ? "generateKeyPairSync pairs"
        : "ephemeralBoxKeys";
    console.log(
      `${requests} requests sealed to 3 candidates (${how}), no hang: ${each.toFixed(0)} µs each`,
    );
  });
}
