// Learns byte-level BPE merges deterministically (most frequent pair, ties by string order).
import { bytesToSymbols } from "../src/engine/tokenizer/byte-level.js";

export interface TrainedBpe {
  symbols: string[];
  merges: [string, string][];
}

export function trainBpe(words: readonly string[], numMerges: number): TrainedBpe {
  const counts = new Map<string, number>();
  for (const w of words) {
    const sym = bytesToSymbols(w);
    counts.set(sym, (counts.get(sym) ?? 0) + 1);
  }
  let pieces = [...counts].map(([sym, n]) => ({ parts: Array.from(sym), n }));
  const merges: [string, string][] = [];
  const symbols: string[] = [];
  for (let m = 0; m < numMerges; m++) {
    const pairCounts = new Map<string, number>();
    for (const { parts, n } of pieces) {
      for (let i = 0; i < parts.length - 1; i++) {
        const key = `${parts[i]}\u0000${parts[i + 1]}`;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + n);
      }
    }
    let best = "";
    let bestCount = 1;
    for (const [key, n] of pairCounts) {
      if (n > bestCount || (n === bestCount && n > 1 && key < best)) {
        best = key;
        bestCount = n;
      }
    }
    if (best === "") break;
    const [left = "", right = ""] = best.split("\u0000");
    merges.push([left, right]);
    symbols.push(left + right);
    pieces = pieces.map(({ parts, n }) => ({ parts: mergePair(parts, left, right), n }));
  }
  return { symbols, merges };
}

function mergePair(parts: readonly string[], left: string, right: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i < parts.length - 1 && parts[i] === left && parts[i + 1] === right) {
      out.push(left + right);
      i++;
    } else {
      out.push(parts[i] ?? "");
    }
  }
  return out;
}
