// Protobuf varints of at most 32 bits, for the peer codecs that write and read their messages
// without protobuf-es's reflection (peer-chunk-codec.ts, peer-request-encode/decode.ts).

/** Bytes a varint of `n` takes. */
export const varintSize = (n: number): number =>
  n < 2 ** 7 ? 1 : n < 2 ** 14 ? 2 : n < 2 ** 21 ? 3 : n < 2 ** 28 ? 4 : 5;

/** Writes `n` at `at`; returns the position after it. */
export function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** A varint of at most 32 bits at `pos`: [value, next position], or undefined. */
export function readVarint(data: Uint8Array, pos: number): [number, number] | undefined {
  let v = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    const b = data[pos++];
    if (b === undefined) return undefined;
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return v > 0xffffffff ? undefined : [v, pos];
  }
  return undefined;
}
