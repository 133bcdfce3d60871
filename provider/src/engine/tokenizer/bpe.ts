// Byte-level BPE: merges applied by rank to one pre-tokenized word of byte symbols.

export interface BpeModel {
  readonly vocab: ReadonlyMap<string, number>;
  /** "left right" -> rank (lower merges first). */
  readonly ranks: ReadonlyMap<string, number>;
  /** Llama 3 style: a word already in the vocab is not split. */
  readonly ignoreMerges: boolean;
}

export function parseMerges(merges: ReadonlyArray<string | [string, string]>): Map<string, number> {
  const ranks = new Map<string, number>();
  merges.forEach((m, i) => {
    const key = typeof m === "string" ? m : `${m[0]} ${m[1]}`;
    if (!ranks.has(key)) ranks.set(key, i);
  });
  return ranks;
}

export function bpeWord(model: BpeModel, word: string): string[] {
  if (model.ignoreMerges && model.vocab.has(word)) return [word];
  let parts = Array.from(word);
  while (parts.length > 1) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i < parts.length - 1; i++) {
      const rank = model.ranks.get(`${parts[i]} ${parts[i + 1]}`);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) break;
    const left = parts[best] ?? "";
    const right = parts[best + 1] ?? "";
    const merged: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      if (i < parts.length - 1 && parts[i] === left && parts[i + 1] === right) {
        merged.push(left + right);
        i++;
      } else {
        merged.push(parts[i] ?? "");
      }
    }
    parts = merged;
  }
  return parts;
}
