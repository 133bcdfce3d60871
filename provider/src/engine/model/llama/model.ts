// The Llama decoder (also qwen2 / mistral / qwen3 dense): embeddings, N blocks, final norm, lm_head.
import type { KvCache } from "../../batching/kv-cache.js";
import type { WeightMap } from "../load-weights.js";
import { mx, type MxArray } from "../../mlx-backend/mlx.js";
import type { LlamaConfig } from "../model-config.js";
import { Attention } from "./attention.js";
import { type Embedding, type Linear, loadEmbedding, loadLinear, requireWeight } from "./linear.js";

interface Block {
  inputNorm: MxArray;
  attention: Attention;
  postNorm: MxArray;
  gate: Linear;
  up: Linear;
  down: Linear;
}

export class LlamaModel {
  readonly config: LlamaConfig;
  readonly #embed: Embedding;
  readonly #blocks: Block[];
  readonly #norm: MxArray;
  readonly #lmHead: Linear;

  constructor(weights: WeightMap, config: LlamaConfig) {
    this.config = config;
    const q = config.quantization;
    this.#embed = loadEmbedding(weights, "model.embed_tokens", q);
    this.#blocks = Array.from({ length: config.numLayers }, (_, i) => {
      const p = `model.layers.${i}`;
      return {
        inputNorm: requireWeight(weights, `${p}.input_layernorm.weight`),
        attention: new Attention(weights, `${p}.self_attn`, config),
        postNorm: requireWeight(weights, `${p}.post_attention_layernorm.weight`),
        gate: loadLinear(weights, `${p}.mlp.gate_proj`, q),
        up: loadLinear(weights, `${p}.mlp.up_proj`, q),
        down: loadLinear(weights, `${p}.mlp.down_proj`, q),
      };
    });
    this.#norm = requireWeight(weights, "model.norm.weight");
    const untied = !config.tieWordEmbeddings && weights.has("lm_head.weight");
    this.#lmHead = untied ? loadLinear(weights, "lm_head", q) : this.#embed.asLinear();
  }

  /**
   * tokens: [B][L] (L equal for all rows; L > 1 only with B = 1). Returns the logits of each
   * row's last position, [B, vocab], and advances every cache by L.
   */
  forward(tokens: readonly (readonly number[])[], caches: readonly KvCache[]): MxArray {
    const len = tokens[0]?.length ?? 0;
    const ids = mx.array(
      tokens.map((row) => [...row]),
      mx.int32,
    );
    let x = this.#embed.lookup(ids);
    const eps = this.config.rmsNormEps;
    this.#blocks.forEach((b, layer) => {
      x = mx.add(x, b.attention.forward(mx.fast.rmsNorm(x, b.inputNorm, eps), layer, caches));
      const h = mx.fast.rmsNorm(x, b.postNorm, eps);
      const gate = b.gate.apply(h);
      x = mx.add(x, b.down.apply(mx.multiply(mx.multiply(gate, mx.sigmoid(gate)), b.up.apply(h))));
    });
    for (const c of caches) c.advance(len);
    const last = len > 1 ? x.index(mx.Slice(), mx.Slice(len - 1, len)) : x;
    return this.#lmHead.apply(mx.fast.rmsNorm(last, this.#norm, eps)).reshape(tokens.length, -1);
  }
}
