// The vocabulary as a byte trie, so the constraint feeds each shared token prefix to the JSON
// machine once instead of once per token (tokens share long prefixes in real vocabularies).
// Built once per vocabulary object and kept while it lives.
import type { ConstraintVocab } from "./constraint.js";

export interface TrieNode {
  /** Tokens whose bytes end at this node. */
  ids: number[];
  children: Map<number, TrieNode>;
  /** Some token at or below this node has a byte that is not plain text. */
  hasNonPlain: boolean;
}

export interface VocabTrie {
  root: TrieNode;
  /** Tokens made only of plain text bytes: allowed as a whole inside free JSON text. */
  plainIds: number[];
}

/** Printable ASCII other than `"` and `\`: bytes that leave a free JSON string as it is. */
export const isPlainByte = (b: number): boolean =>
  b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c;

const tries = new WeakMap<ConstraintVocab, VocabTrie>();
const newNode = (): TrieNode => ({ ids: [], children: new Map(), hasNonPlain: false });

/** The trie of every non-special, non-empty token of `vocab`. */
export function vocabTrie(vocab: ConstraintVocab): VocabTrie {
  const known = tries.get(vocab);
  if (known) return known;
  const trie: VocabTrie = { root: newNode(), plainIds: [] };
  for (let id = 0; id < vocab.vocabSize; id++) {
    if (vocab.specialIds.has(id)) continue;
    const bytes = vocab.tokenBytes(id);
    if (bytes.length === 0) continue;
    const plain = bytes.every(isPlainByte);
    let node = trie.root;
    for (const b of bytes) {
      if (!plain) node.hasNonPlain = true;
      let next = node.children.get(b);
      if (!next) {
        next = newNode();
        node.children.set(b, next);
      }
      node = next;
    }
    if (!plain) node.hasNonPlain = true;
    node.ids.push(id);
    if (plain) trie.plainIds.push(id);
  }
  tries.set(vocab, trie);
  return trie;
}
