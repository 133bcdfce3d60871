// BPE merges in Hugging Face's order (lowest rank first, then leftmost) in O(n log n), so a long
// un-pre-tokenized SentencePiece segment (a whole prompt) does not cost O(n²).
import { BinaryHeap } from "@darkbloom/model-contract";

interface Candidate {
  rank: number;
  /** Index of the left symbol. */
  pos: number;
  left: string;
  right: string;
}

const before = (a: Candidate, b: Candidate): boolean =>
  a.rank < b.rank || (a.rank === b.rank && a.pos < b.pos);

/** Applies `ranks` ("left right" -> rank) to the symbols of one word; returns the merged symbols. */
export function mergeSymbols(
  symbols: readonly string[],
  ranks: ReadonlyMap<string, number>,
): string[] {
  const sym = [...symbols];
  const next = sym.map((_, i) => i + 1);
  const prev = sym.map((_, i) => i - 1);
  const alive = sym.map(() => true);
  const heap = new BinaryHeap<Candidate>(before);
  const offer = (pos: number): void => {
    const n = next[pos] ?? sym.length;
    if (pos < 0 || n >= sym.length) return;
    const left = sym[pos] ?? "";
    const right = sym[n] ?? "";
    const rank = ranks.get(`${left} ${right}`);
    if (rank !== undefined) heap.push({ rank, pos, left, right });
  };
  for (let i = 0; i < sym.length - 1; i++) offer(i);
  for (let c = heap.pop(); c; c = heap.pop()) {
    const n = next[c.pos] ?? sym.length;
    // Stale: one side was merged away or changed since this candidate was offered.
    if (!alive[c.pos] || n >= sym.length || sym[c.pos] !== c.left || sym[n] !== c.right) continue;
    sym[c.pos] = c.left + c.right;
    alive[n] = false;
    const after = next[n] ?? sym.length;
    next[c.pos] = after;
    if (after < sym.length) prev[after] = c.pos;
    offer(prev[c.pos] ?? -1);
    offer(c.pos);
  }
  return sym.filter((_, i) => alive[i]);
}
