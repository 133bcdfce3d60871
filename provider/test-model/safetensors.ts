// Minimal safetensors writer/reader (F32 and F16; U32 packed quantized weights read separately)
// for the test model and the reference tests.

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export function f32ToF16(value: number): number {
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (mant | 0x800000) >>> (1 - exp);
    return sign | ((m + 0x1000) >>> 13);
  }
  if (exp >= 31) return sign | 0x7c00;
  // Round to nearest; a carry correctly bumps the exponent.
  return (sign | (exp << 10) | (mant >>> 13)) + ((mant >>> 12) & 1);
}

export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (mant / 1024);
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + mant / 1024);
}

export function writeSafetensors(
  tensors: ReadonlyMap<string, Tensor>,
  dtype: "F16" | "F32",
): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  const width = dtype === "F16" ? 2 : 4;
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name) as Tensor;
    header[name] = {
      dtype,
      shape: t.shape,
      data_offsets: [offset, offset + t.data.length * width],
    };
    offset += t.data.length * width;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  out.write(json, 8, "latin1");
  let at = 8 + json.length;
  for (const name of names) {
    for (const v of (tensors.get(name) as Tensor).data) {
      if (dtype === "F16") out.writeUInt16LE(f32ToF16(v), at);
      else out.writeFloatLE(v, at);
      at += width;
    }
  }
  return out;
}

export function readSafetensors(buf: Buffer): Map<string, Tensor> {
  const len = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.toString("latin1", 8, 8 + len)) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const out = new Map<string, Tensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__" || (info.dtype !== "F16" && info.dtype !== "F32")) continue;
    const [start, end] = info.data_offsets;
    const base = 8 + len + start;
    const width = info.dtype === "F16" ? 2 : 4;
    const data = new Float32Array((end - start) / width);
    for (let i = 0; i < data.length; i++) {
      data[i] =
        width === 2 ? f16ToF32(buf.readUInt16LE(base + i * 2)) : buf.readFloatLE(base + i * 4);
    }
    out.set(name, { shape: info.shape, data });
  }
  return out;
}

/** The U32 tensors (MLX-quantized packed weights), which readSafetensors leaves out. */
export function readPackedSafetensors(
  buf: Buffer,
): Map<string, { shape: number[]; data: Uint32Array }> {
  const len = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.toString("latin1", 8, 8 + len)) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const out = new Map<string, { shape: number[]; data: Uint32Array }>();
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__" || info.dtype !== "U32") continue;
    const [start, end] = info.data_offsets;
    const base = 8 + len + start;
    const data = new Uint32Array((end - start) / 4);
    for (let i = 0; i < data.length; i++) data[i] = buf.readUInt32LE(base + i * 4);
    out.set(name, { shape: info.shape, data });
  }
  return out;
}
