// Plain-TypeScript dequantization of MLX-quantized safetensors, independent of MLX: each uint32
// holds 32/bits values, lowest bits first; per group of `groupSize` inputs w = scale * q + bias.
import { readFileSync } from "node:fs";
import { readPackedSafetensors, readSafetensors, type Tensor } from "./safetensors.js";

export interface Quantization {
  groupSize: number;
  bits: number;
}

export function dequantizeMatrix(
  packed: { shape: number[]; data: Uint32Array },
  scales: Tensor,
  biases: Tensor,
  { groupSize, bits }: Quantization,
): Tensor {
  const [rows = 0, words = 0] = packed.shape;
  const perWord = 32 / bits;
  const cols = words * perWord;
  const groups = cols / groupSize;
  const mask = 2 ** bits - 1;
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const word = packed.data[r * words + Math.floor(c / perWord)] ?? 0;
      const q = (word >>> ((c % perWord) * bits)) & mask;
      const g = r * groups + Math.floor(c / groupSize);
      data[r * cols + c] = (scales.data[g] ?? 0) * q + (biases.data[g] ?? 0);
    }
  }
  return { shape: [rows, cols], data };
}

/** Reads a quantized model file and returns every weight as float (packed ones dequantized). */
export function readDequantized(file: string, q: Quantization): Map<string, Tensor> {
  const buf = readFileSync(file);
  const floats = readSafetensors(buf);
  const out = new Map<string, Tensor>();
  for (const [name, t] of floats) {
    if (!name.endsWith(".scales") && !name.endsWith(".biases")) out.set(name, t);
  }
  for (const [name, packed] of readPackedSafetensors(buf)) {
    const prefix = name.slice(0, -".weight".length);
    const scales = floats.get(`${prefix}.scales`);
    const biases = floats.get(`${prefix}.biases`);
    if (!scales || !biases) throw new Error(`${name} has no scales/biases`);
    out.set(name, dequantizeMatrix(packed, scales, biases, q));
  }
  return out;
}
