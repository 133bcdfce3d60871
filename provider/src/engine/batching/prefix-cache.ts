// The provider's prefix KV cache: keys/values of recent prompt prefixes in fixed-size token blocks,
// scoped per account (the scope is part of every block's key), LRU within a byte budget. A new
// prompt that starts with cached blocks reuses their KV and prefills only the rest.
import { createHash } from "node:crypto";
import type { KvCache, LayerKv } from "./kv-cache.js";
import { mx } from "../mlx-backend/mlx.js";

export interface PrefixCacheOptions {
  /** Tokens per block; only whole blocks are cached and reused. Default 32. */
  blockTokens: number;
  /** Most bytes of keys/values held; least recently used blocks go first. */
  maxBytes: number;
  /** Most routing hashes reported per heartbeat (most recently used first). Default 512. */
  maxReportedHashes: number;
}

/** What the edge hashed for routing: its hashes and the canonical byte length they cover. */
export interface PrefixRouting {
  hashes: readonly Uint8Array[];
  canonicalBytes: number;
}

interface Block {
  layers: LayerKv[];
  bytes: number;
  routeHashes: Uint8Array[];
}

export interface PrefixHit {
  layers: LayerKv[];
  tokens: number;
}

export class PrefixCache {
  readonly options: PrefixCacheOptions;
  /** Insertion order is recency: the first entry is the least recently used. */
  readonly #blocks = new Map<string, Block>();
  #bytes = 0;

  constructor(options: PrefixCacheOptions) {
    this.options = options;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get blockCount(): number {
    return this.#blocks.size;
  }

  /** Cached leading blocks of `promptIds` (never the whole prompt: one token is left to prefill). */
  lookup(scope: string, promptIds: readonly number[]): PrefixHit | undefined {
    const B = this.options.blockTokens;
    const keys = this.#chain(scope, promptIds, Math.floor((promptIds.length - 1) / B));
    const found: Block[] = [];
    for (const key of keys) {
      const block = this.#blocks.get(key);
      if (!block) break;
      found.push(block);
    }
    if (found.length === 0) return undefined;
    this.#touch(keys.slice(0, found.length));
    const layers = (found[0] as Block).layers.map((_, l) => {
      if (found.length === 1) return (found[0] as Block).layers[l] as LayerKv;
      return {
        keys: mx.concatenate(
          found.map((b) => (b.layers[l] as LayerKv).keys),
          2,
        ),
        values: mx.concatenate(
          found.map((b) => (b.layers[l] as LayerKv).values),
          2,
        ),
      };
    });
    return { layers, tokens: found.length * B };
  }

  /** Stores the prompt's whole blocks from a cache that has just prefilled them. */
  insert(
    scope: string,
    promptIds: readonly number[],
    cache: KvCache,
    routing?: PrefixRouting,
  ): void {
    const B = this.options.blockTokens;
    const n = Math.min(Math.floor(promptIds.length / B), Math.floor(cache.length / B));
    const keys = this.#chain(scope, promptIds, n);
    const fresh: LayerKv[][] = [];
    for (const [i, key] of keys.entries()) {
      if (this.#blocks.has(key)) continue;
      const layers: LayerKv[] = [];
      for (let l = 0; ; l++) {
        const kv = cache.slice(l, i * B, (i + 1) * B);
        if (!kv) break;
        layers.push(kv);
      }
      const bytes = layers.reduce((s, kv) => s + 2 * kv.keys.size * kv.keys.itemsize, 0);
      if (bytes > this.options.maxBytes) break;
      this.#blocks.set(key, { layers, bytes, routeHashes: [] });
      this.#bytes += bytes;
      fresh.push(layers);
    }
    if (fresh.length > 0) mx.eval(...fresh.flat().flatMap((kv) => [kv.keys, kv.values]));
    const held = keys.filter((k) => this.#blocks.has(k));
    if (routing) this.#attach(held, routing, promptIds.length);
    this.#touch(held);
    this.#evict();
  }

  /** Routing hashes of the blocks held, most recently used first, at most maxReportedHashes. */
  heldRouteHashes(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const seen = new Set<string>();
    const blocks = [...this.#blocks.values()];
    for (let i = blocks.length - 1; i >= 0 && out.length < this.options.maxReportedHashes; i--) {
      for (const h of (blocks[i] as Block).routeHashes) {
        const hex = Buffer.from(h).toString("hex");
        if (seen.has(hex) || out.length >= this.options.maxReportedHashes) continue;
        seen.add(hex);
        out.push(h);
      }
    }
    return out;
  }

  clear(): void {
    this.#blocks.clear();
    this.#bytes = 0;
  }

  /**
   * Routing hash j covers the first (j+1)/n of the canonical bytes; it is held while the block
   * at the same fraction of the prompt's tokens is (the edge has no tokenizer, so the mapping is
   * proportional; KV reuse itself always compares exact tokens).
   */
  #attach(held: readonly string[], routing: PrefixRouting, promptTokens: number): void {
    if (held.length === 0 || routing.canonicalBytes <= 0) return;
    const blockBytes =
      routing.canonicalBytes / Math.max(1, promptTokens / this.options.blockTokens);
    routing.hashes.forEach((hash, j) => {
      const covered = ((j + 1) * routing.canonicalBytes) / routing.hashes.length;
      const index = Math.min(held.length - 1, Math.max(0, Math.ceil(covered / blockBytes) - 1));
      const block = this.#blocks.get(held[index] as string) as Block;
      const hex = Buffer.from(hash).toString("hex");
      if (!block.routeHashes.some((h) => Buffer.from(h).toString("hex") === hex))
        block.routeHashes.push(hash);
    });
  }

  /** Most recent last, parents after children, so eviction from the front removes leaves first. */
  #touch(keys: readonly string[]): void {
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      const block = this.#blocks.get(key);
      if (!block) continue;
      this.#blocks.delete(key);
      this.#blocks.set(key, block);
    }
  }

  #evict(): void {
    for (const [key, block] of this.#blocks) {
      if (this.#bytes <= this.options.maxBytes) return;
      this.#blocks.delete(key);
      this.#bytes -= block.bytes;
    }
  }

  /** Chained block keys: SHA-256 over the parent key and the block's token ids, rooted in scope. */
  #chain(scope: string, promptIds: readonly number[], blocks: number): string[] {
    const B = this.options.blockTokens;
    const keys: string[] = [];
    let parent = createHash("sha256").update(`darkbloom-kv-prefix-v1\0${scope}`).digest();
    for (let i = 0; i < blocks; i++) {
      const ids = Uint32Array.from(promptIds.slice(i * B, (i + 1) * B));
      parent = createHash("sha256").update(parent).update(new Uint8Array(ids.buffer)).digest();
      keys.push(parent.toString("hex"));
    }
    return keys;
  }
}
