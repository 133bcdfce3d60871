import { expect } from "chai";
import { mx } from "../../mlx-backend/mlx.js";
import { type LlamaConfig, parseLlamaConfig, type RopeScaling } from "../model-config.js";
import { applyRope, ropeFrequencies } from "./rope.js";

const config = (rope_scaling: object | null, extra: object = {}): LlamaConfig =>
  parseLlamaConfig({
    model_type: "llama",
    hidden_size: 64,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    intermediate_size: 32,
    vocab_size: 16,
    rope_scaling,
    ...extra,
  });

const maxDiff = (a: number[], b: number[]): number =>
  Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? NaN))));

describe("rope", () => {
  it("rotates like MLX's fused kernel when the frequencies are the default ones", () => {
    // llama3 with factor 1 changes no frequency but takes the cos / sin table path.
    const identity = { rope_type: "llama3", factor: 1, low_freq_factor: 1, high_freq_factor: 4 };
    const table = config({ ...identity, original_max_position_embeddings: 64 });
    const plain = config(null);
    const x = mx
      .array(
        Array.from({ length: 2 * 3 * 32 }, (_, i) => Math.sin(i * 0.37)),
        mx.float32,
      )
      .reshape(1, 2, 3, 32);
    // 300 is past the table's first capacity (256), so the table grows on the way.
    for (const offset of [0, 7, 300]) {
      const a = applyRope(x, table, offset).reshape([-1]).tolist() as number[];
      const b = applyRope(x, plain, offset).reshape([-1]).tolist() as number[];
      expect(maxDiff(a, b)).to.be.lessThan(1e-4);
    }
  });

  it("keeps llama3's high frequencies, divides the low ones by factor and blends between", () => {
    // Llama 3.1: head_dim 128, theta 500000, factor 8, low 1, high 4, original context 8192.
    const scaling: RopeScaling = {
      type: "llama3",
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    };
    const { invFreq } = ropeFrequencies(128, 500000, scaling);
    const base = (i: number): number => 500000 ** (-(2 * i) / 128);
    expect(invFreq[0]).to.equal(1);
    // wavelength 2π / base(20) ≈ 1.0e3 < 8192 / 4: unchanged.
    expect(invFreq[20]).to.equal(base(20));
    // wavelength 2π / base(63) ≈ 4.9e5 > 8192: divided by 8.
    expect(invFreq[63]).to.be.closeTo(base(63) / 8, 1e-15);
    // wavelength 2π / base(30) ≈ 5.9e3, between: smooth = (8192 / λ - 1) / 3.
    const smooth = (8192 / ((2 * Math.PI) / base(30)) - 1) / 3;
    expect(invFreq[30]).to.be.closeTo((1 - smooth) * (base(30) / 8) + smooth * base(30), 1e-12);
  });

  it("gives yarn's interpolation ramp and attention factor", () => {
    const scaling = config(
      { rope_type: "yarn", factor: 4, original_max_position_embeddings: 256 },
      { rope_theta: 1000000, head_dim: 48, max_position_embeddings: 1024 },
    ).ropeScaling;
    const { invFreq, attentionFactor } = ropeFrequencies(48, 1000000, scaling);
    const base = (i: number): number => 1000000 ** (-(2 * i) / 48);
    // Correction range: floor(0.42) = 0 .. ceil(6.44) = 7.
    expect(invFreq[0]).to.equal(base(0));
    expect(invFreq[3]).to.be.closeTo(base(3) * (4 / 7) + (base(3) / 4) * (3 / 7), 1e-15);
    expect(invFreq[7]).to.be.closeTo(base(7) / 4, 1e-15);
    expect(invFreq[23]).to.be.closeTo(base(23) / 4, 1e-20);
    expect(attentionFactor).to.be.closeTo(0.1 * Math.log(4) + 1, 1e-12);
  });
});
