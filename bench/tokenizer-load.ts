// Load time and memory of our tokenizer on the real tokenizer.json files (Llama 2, Llama 3,
// Llama 3.1, Qwen3, Gemma 3), each measured in a fresh child process so RSS is its own.
// Usage: npm run bench:tokenizer-load
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { REAL_CORPUS } from "../provider/src/engine/tokenizer/real-corpus.js";
import {
  readRealTokenizerJson,
  realTokenizerDir,
  REAL_TOKENIZERS,
  type RealTokenizerName,
} from "../provider/src/engine/tokenizer/real-tokenizers.js";
import { Tokenizer } from "../provider/src/engine/tokenizer/tokenizer.js";

interface Row {
  name: string;
  fileMb: number;
  vocab: number;
  loadMs: number;
  rssMb: number;
  heapMb: number;
  encodeMbPerS: number;
}

function measure(name: RealTokenizerName): Row {
  const mb = (n: number) => n / 1024 / 1024;
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  const tok = new Tokenizer(readRealTokenizerJson(name));
  const loadMs = performance.now() - start;
  const text = REAL_CORPUS.join("\n").repeat(20);
  const encStart = performance.now();
  tok.encode(text);
  const encodeS = (performance.now() - encStart) / 1000;
  const usage = process.memoryUsage();
  return {
    name,
    fileMb: mb(statSync(join(realTokenizerDir(name), "tokenizer.json")).size),
    vocab: tok.vocabSize,
    loadMs,
    rssMb: mb(usage.rss - rssBefore),
    heapMb: mb(usage.heapUsed),
    encodeMbPerS: mb(Buffer.byteLength(text)) / encodeS,
  };
}

const child = process.argv[2];
if (child !== undefined) {
  process.stdout.write(JSON.stringify(measure(child as RealTokenizerName)));
} else {
  const rows: Row[] = REAL_TOKENIZERS.map((name) => {
    const run = spawnSync(process.execPath, [...process.execArgv, process.argv[1] ?? "", name], {
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`${name}: ${run.stderr}`);
    return JSON.parse(run.stdout) as Row;
  });
  console.log(
    "tokenizer   file MB   vocab    load ms   RSS +MB   heap MB   encode MB/s (cold cache)",
  );
  for (const r of rows) {
    console.log(
      [
        r.name.padEnd(10),
        r.fileMb.toFixed(1).padStart(7),
        String(r.vocab).padStart(7),
        r.loadMs.toFixed(0).padStart(10),
        r.rssMb.toFixed(0).padStart(9),
        r.heapMb.toFixed(0).padStart(9),
        r.encodeMbPerS.toFixed(2).padStart(13),
      ].join(" "),
    );
  }
}
