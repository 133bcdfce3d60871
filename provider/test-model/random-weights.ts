// Deterministic random Llama weights, scaled so greedy decoding gives varied tokens.
import type { Tensor } from "./safetensors.js";
import { mulberry32 } from "@darkbloom/random";

export interface TinyShape {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  vocab: number;
  /** Defaults to hidden / heads. */
  headDim?: number;
  /** qwen3: adds q_norm / k_norm weights [headDim] to every attention block. */
  qkNorm?: boolean;
}

export function randomWeights(s: TinyShape, seed: number): Map<string, Tensor> {
  const uniform = mulberry32(seed);
  const normal = (): number => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
  const out = new Map<string, Tensor>();
  const add = (name: string, shape: number[], std: number, mean = 0): void => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = mean + std * normal();
    out.set(name, { shape, data });
  };
  const headDim = s.headDim ?? s.hidden / s.heads;
  add("model.embed_tokens.weight", [s.vocab, s.hidden], 1);
  for (let l = 0; l < s.layers; l++) {
    const p = `model.layers.${l}`;
    add(`${p}.input_layernorm.weight`, [s.hidden], 0.1, 1);
    add(`${p}.post_attention_layernorm.weight`, [s.hidden], 0.1, 1);
    // Larger q/k make attention sharp enough that context changes the next token.
    add(`${p}.self_attn.q_proj.weight`, [s.heads * headDim, s.hidden], 2 / Math.sqrt(s.hidden));
    add(`${p}.self_attn.k_proj.weight`, [s.kvHeads * headDim, s.hidden], 2 / Math.sqrt(s.hidden));
    add(`${p}.self_attn.v_proj.weight`, [s.kvHeads * headDim, s.hidden], 1 / Math.sqrt(s.hidden));
    add(`${p}.self_attn.o_proj.weight`, [s.hidden, s.heads * headDim], 1 / Math.sqrt(s.hidden));
    if (s.qkNorm) {
      add(`${p}.self_attn.q_norm.weight`, [headDim], 0.2, 1);
      add(`${p}.self_attn.k_norm.weight`, [headDim], 0.2, 1);
    }
    add(`${p}.mlp.gate_proj.weight`, [s.intermediate, s.hidden], 1 / Math.sqrt(s.hidden));
    add(`${p}.mlp.up_proj.weight`, [s.intermediate, s.hidden], 1 / Math.sqrt(s.hidden));
    add(`${p}.mlp.down_proj.weight`, [s.hidden, s.intermediate], 1 / Math.sqrt(s.intermediate));
  }
  add("model.norm.weight", [s.hidden], 0.1, 1);
  add("lm_head.weight", [s.vocab, s.hidden], 3 / Math.sqrt(s.hidden));
  return out;
}
