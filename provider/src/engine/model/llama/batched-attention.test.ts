// The batched decode step (caches seated in a KvBatch: one write, one masked attention) against
// each sequence decoding alone on its own buffers.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { maxAbsDiff } from "../../../../test-model/reference-forward.js";
import { KvBatch } from "../../batching/kv-batch.js";
import { KvCache, STEP_TOKENS } from "../../batching/kv-cache.js";
import { loadWeights } from "../load-weights.js";
import { type LlamaConfig, parseLlamaConfig } from "../model-config.js";
import { testModelDir } from "../../test-fixture.js";
import { LlamaModel } from "./model.js";

describe("batched decode attention", function () {
  this.timeout(60_000);
  let cfg: LlamaConfig;
  let model: LlamaModel;

  before(() => {
    const dir = testModelDir();
    cfg = parseLlamaConfig(
      JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>,
    );
    model = new LlamaModel(loadWeights(dir), cfg);
  });

  /**
   * Decodes `steps` tokens for prompts of these lengths, batched and each alone; `active(step)`
   * picks the rows decoding at a step (all by default), as sequences join and leave.
   */
  function decodeBoth(lengths: number[], steps: number, active?: (step: number) => number[]) {
    const prompts = lengths.map((n, s) =>
      Array.from({ length: n }, (_, i) => (7 + 31 * i + 13 * s) % cfg.vocabSize),
    );
    const prefill = (): KvCache[] =>
      prompts.map((p) => {
        const cache = new KvCache(cfg.numLayers);
        model.forward([p], [cache]);
        return cache;
      });
    const batched = prefill();
    const solo = prefill();
    const batch = new KvBatch(cfg.numLayers);
    const out: { together: number[][]; alone: number[][] }[] = [];
    for (let step = 0; step < steps; step++) {
      const rows = active?.(step) ?? prompts.map((_, s) => s);
      const tokens = rows.map((s) => [(100 + 17 * step + s) % cfg.vocabSize]);
      const caches = rows.map((s) => batched[s] as KvCache);
      batch.seat(caches);
      const together = model.forward(tokens, caches).tolist() as number[][];
      const alone = tokens.map(
        (t, i) =>
          (model.forward([t], [solo[rows[i] as number] as KvCache]).tolist() as number[][])[0] ??
          [],
      );
      out.push({ together, alone });
    }
    return { out, capacity: batch.capacity, soloCapacities: solo.map((c) => c.capacity) };
  }

  // Two rows: OpenBLAS runs the batched projections bit-identically to single rows at M <= 2
  // (not beyond: see the five-row case), so any difference here would come from the padded
  // attention itself.
  it("gives two rows of different lengths bit-identical logits to their solo decodes", () => {
    const { out } = decodeBoth([3, 40], 3);
    for (const { together, alone } of out) expect(together).to.deep.equal(alone);
  });

  it("stays bit-identical when one sequence leaves the batch and another joins", () => {
    // Steps 0-1 decode rows 0 and 1; from step 2 rows 1 and 2: the batch is rebuilt around row 1.
    const { out } = decodeBoth([3, 40, 90], 4, (step) => (step < 2 ? [0, 1] : [1, 2]));
    for (const { together, alone } of out) expect(together).to.deep.equal(alone);
  });

  it("stays bit-identical for a short row padded far past its own solo capacity", () => {
    const { out, capacity, soloCapacities } = decodeBoth([STEP_TOKENS + 44, 17], 3);
    expect(soloCapacities).to.deep.equal([2 * STEP_TOKENS, STEP_TOKENS]);
    expect(capacity).to.equal(2 * STEP_TOKENS);
    for (const { together, alone } of out) expect(together).to.deep.equal(alone);
  });

  it("keeps each row its own logits in a batch of five that grows its buffers mid-decode", () => {
    // The batch starts at capacity 256 (rows up to 255 tokens) and grows when row 1 passes it.
    const { out, capacity } = decodeBoth([3, STEP_TOKENS - 2, 40, STEP_TOKENS - 1, 17], 4);
    expect(capacity).to.equal(2 * STEP_TOKENS);
    for (const { together, alone } of out) {
      together.forEach((row, s) => {
        expect(maxAbsDiff(row, alone[s] ?? [])).to.be.lessThan(1e-4);
        expect(row.indexOf(Math.max(...row))).to.equal(
          (alone[s] ?? []).indexOf(Math.max(...(alone[s] ?? []))),
        );
      });
    }
  });
});
