// Throughput of @darkbloom/crypto: npx tsx bench/crypto.ts — about one second per row.
import {
  boxBeforenm,
  ephemeralBoxKey,
  generateKeyPair,
  openWithSharedKey,
  sealWithSharedKey,
} from "@darkbloom/crypto";

const ROW_BUDGET_MS = 1000;
const WARMUP_MS = 150;

interface Row {
  operation: string;
  payloadBytes: number;
  opsPerSecond: number;
}

/** Runs `op` in batches until `budgetMs` elapses; returns operations per second. */
function measure(op: () => void, budgetMs: number): number {
  let count = 0;
  let batch = 1;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < batch; i++) op();
    count += batch;
    elapsed = performance.now() - start;
    if (elapsed < budgetMs / 20) batch *= 2;
  }
  return (count * 1000) / elapsed;
}

function row(operation: string, payloadBytes: number, op: () => void): Row {
  measure(op, WARMUP_MS);
  return { operation, payloadBytes, opsPerSecond: measure(op, ROW_BUDGET_MS) };
}

const alice = generateKeyPair();
const bob = generateKeyPair();
const sharedKey = boxBeforenm(bob.publicKey, alice.secretKey);
const rows: Row[] = [];

for (const size of [64, 1024, 16 * 1024]) {
  const plaintext = new Uint8Array(size).fill(0x61);
  const sealed = sealWithSharedKey(sharedKey, plaintext);
  rows.push(row("seal (shared key)", size, () => void sealWithSharedKey(sharedKey, plaintext)));
  rows.push(row("open (shared key)", size, () => void openWithSharedKey(sharedKey, sealed)));
}
rows.push(
  row("boxBeforenm (X25519 + HSalsa20)", 0, () => void boxBeforenm(bob.publicKey, alice.secretKey)),
);
rows.push(
  row("per request: generateKeyPair + boxBeforenm", 0, () => {
    const eph = generateKeyPair();
    boxBeforenm(bob.publicKey, eph.secretKey);
  }),
);
rows.push(row("per request: ephemeralBoxKey", 0, () => void ephemeralBoxKey(bob.publicKey)));

const lines = [
  "| operation | payload | ops/s | MB/s |",
  "|---|---:|---:|---:|",
  ...rows.map((r) => {
    const payload =
      r.payloadBytes === 0
        ? "—"
        : r.payloadBytes < 1024
          ? `${r.payloadBytes} B`
          : `${r.payloadBytes / 1024} KiB`;
    const mbPerSecond =
      r.payloadBytes === 0 ? "—" : ((r.opsPerSecond * r.payloadBytes) / 1e6).toFixed(1);
    return `| ${r.operation} | ${payload} | ${Math.round(r.opsPerSecond).toLocaleString("en-US")} | ${mbPerSecond} |`;
  }),
];
console.log(lines.join("\n"));
