// Poly1305 (RFC 8439) for one-shot MACs without allocation: the state lives in module scratch
// arrays, zeroed after every call. The arithmetic is noble-ciphers' (MIT, after the public-domain
// poly1305-donna, 16-bit limbs); its one-shot `poly1305()` copied the key and message and built
// a new instance per call, most of a small relayed chunk's MAC time.

const r = new Uint16Array(10);
const h = new Uint16Array(10);
const g = new Uint16Array(10);
const pad = new Uint16Array(8);
const tail = new Uint8Array(16);

function u8to16(a: Uint8Array, i: number): number {
  return (a[i]! & 0xff) | ((a[i + 1]! & 0xff) << 8);
}

function process(data: Uint8Array, offset: number, hibit: number): void {
  // RFC 8439 §2.5 / §2.5.1 and RFC 7539 §2.5 / §2.5.1 add an extra high
  // bit to every full 16-byte block. The final partial block gets its
  // explicit `1` byte during digestInto(), so `hibit` stays zero there.
  const r0 = r[0]!;
  const r1 = r[1]!;
  const r2 = r[2]!;
  const r3 = r[3]!;
  const r4 = r[4]!;
  const r5 = r[5]!;
  const r6 = r[6]!;
  const r7 = r[7]!;
  const r8 = r[8]!;
  const r9 = r[9]!;
  const t0 = u8to16(data, offset + 0);
  const t1 = u8to16(data, offset + 2);
  const t2 = u8to16(data, offset + 4);
  const t3 = u8to16(data, offset + 6);
  const t4 = u8to16(data, offset + 8);
  const t5 = u8to16(data, offset + 10);
  const t6 = u8to16(data, offset + 12);
  const t7 = u8to16(data, offset + 14);
  const h0 = h[0]! + (t0 & 0x1fff);
  const h1 = h[1]! + (((t0 >>> 13) | (t1 << 3)) & 0x1fff);
  const h2 = h[2]! + (((t1 >>> 10) | (t2 << 6)) & 0x1fff);
  const h3 = h[3]! + (((t2 >>> 7) | (t3 << 9)) & 0x1fff);
  const h4 = h[4]! + (((t3 >>> 4) | (t4 << 12)) & 0x1fff);
  const h5 = h[5]! + ((t4 >>> 1) & 0x1fff);
  const h6 = h[6]! + (((t4 >>> 14) | (t5 << 2)) & 0x1fff);
  const h7 = h[7]! + (((t5 >>> 11) | (t6 << 5)) & 0x1fff);
  const h8 = h[8]! + (((t6 >>> 8) | (t7 << 8)) & 0x1fff);
  const h9 = h[9]! + ((t7 >>> 5) | hibit);
  let c = 0;
  let d0 = c + h0 * r0 + h1 * (5 * r9) + h2 * (5 * r8) + h3 * (5 * r7) + h4 * (5 * r6);
  c = d0 >>> 13;
  d0 &= 0x1fff;
  d0 += h5 * (5 * r5) + h6 * (5 * r4) + h7 * (5 * r3) + h8 * (5 * r2) + h9 * (5 * r1);
  c += d0 >>> 13;
  d0 &= 0x1fff;
  let d1 = c + h0 * r1 + h1 * r0 + h2 * (5 * r9) + h3 * (5 * r8) + h4 * (5 * r7);
  c = d1 >>> 13;
  d1 &= 0x1fff;
  d1 += h5 * (5 * r6) + h6 * (5 * r5) + h7 * (5 * r4) + h8 * (5 * r3) + h9 * (5 * r2);
  c += d1 >>> 13;
  d1 &= 0x1fff;
  let d2 = c + h0 * r2 + h1 * r1 + h2 * r0 + h3 * (5 * r9) + h4 * (5 * r8);
  c = d2 >>> 13;
  d2 &= 0x1fff;
  d2 += h5 * (5 * r7) + h6 * (5 * r6) + h7 * (5 * r5) + h8 * (5 * r4) + h9 * (5 * r3);
  c += d2 >>> 13;
  d2 &= 0x1fff;
  let d3 = c + h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * (5 * r9);
  c = d3 >>> 13;
  d3 &= 0x1fff;
  d3 += h5 * (5 * r8) + h6 * (5 * r7) + h7 * (5 * r6) + h8 * (5 * r5) + h9 * (5 * r4);
  c += d3 >>> 13;
  d3 &= 0x1fff;
  let d4 = c + h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
  c = d4 >>> 13;
  d4 &= 0x1fff;
  d4 += h5 * (5 * r9) + h6 * (5 * r8) + h7 * (5 * r7) + h8 * (5 * r6) + h9 * (5 * r5);
  c += d4 >>> 13;
  d4 &= 0x1fff;
  let d5 = c + h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1;
  c = d5 >>> 13;
  d5 &= 0x1fff;
  d5 += h5 * r0 + h6 * (5 * r9) + h7 * (5 * r8) + h8 * (5 * r7) + h9 * (5 * r6);
  c += d5 >>> 13;
  d5 &= 0x1fff;
  let d6 = c + h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2;
  c = d6 >>> 13;
  d6 &= 0x1fff;
  d6 += h5 * r1 + h6 * r0 + h7 * (5 * r9) + h8 * (5 * r8) + h9 * (5 * r7);
  c += d6 >>> 13;
  d6 &= 0x1fff;
  let d7 = c + h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3;
  c = d7 >>> 13;
  d7 &= 0x1fff;
  d7 += h5 * r2 + h6 * r1 + h7 * r0 + h8 * (5 * r9) + h9 * (5 * r8);
  c += d7 >>> 13;
  d7 &= 0x1fff;
  let d8 = c + h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4;
  c = d8 >>> 13;
  d8 &= 0x1fff;
  d8 += h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * (5 * r9);
  c += d8 >>> 13;
  d8 &= 0x1fff;
  let d9 = c + h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5;
  c = d9 >>> 13;
  d9 &= 0x1fff;
  d9 += h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
  c += d9 >>> 13;
  d9 &= 0x1fff;
  c = ((c << 2) + c) | 0;
  c = (c + d0) | 0;
  d0 = c & 0x1fff;
  c = c >>> 13;
  d1 += c;
  h[0] = d0;
  h[1] = d1;
  h[2] = d2;
  h[3] = d3;
  h[4] = d4;
  h[5] = d5;
  h[6] = d6;
  h[7] = d7;
  h[8] = d8;
  h[9] = d9;
}

function finalize(): void {
  let c = h[1]! >>> 13;
  h[1] = h[1]! & 0x1fff;
  for (let i = 2; i < 10; i++) {
    h[i] = h[i]! + c;
    c = h[i]! >>> 13;
    h[i] = h[i]! & 0x1fff;
  }
  h[0] = h[0]! + c * 5;
  c = h[0] >>> 13;
  h[0] = h[0] & 0x1fff;
  h[1] = h[1] + c;
  c = h[1] >>> 13;
  h[1] = h[1] & 0x1fff;
  h[2] = h[2]! + c;
  // RFC 8439 §2.5 / RFC 7539 §2.5 reduce modulo 2^130-5 before repacking
  // to 16-bit words and adding the raw s half.
  g[0] = h[0] + 5;
  c = g[0] >>> 13;
  g[0] = g[0] & 0x1fff;
  for (let i = 1; i < 10; i++) {
    g[i] = h[i]! + c;
    c = g[i]! >>> 13;
    g[i] = g[i]! & 0x1fff;
  }
  g[9] = g[9]! - (1 << 13);
  let mask = (c ^ 1) - 1;
  for (let i = 0; i < 10; i++) g[i] = g[i]! & mask;
  mask = ~mask;
  for (let i = 0; i < 10; i++) h[i] = (h[i]! & mask) | g[i]!;
  h[0] = (h[0] | (h[1] << 13)) & 0xffff;
  h[1] = ((h[1] >>> 3) | (h[2] << 10)) & 0xffff;
  h[2] = ((h[2] >>> 6) | (h[3]! << 7)) & 0xffff;
  h[3] = ((h[3]! >>> 9) | (h[4]! << 4)) & 0xffff;
  h[4] = ((h[4]! >>> 12) | (h[5]! << 1) | (h[6]! << 14)) & 0xffff;
  h[5] = ((h[6]! >>> 2) | (h[7]! << 11)) & 0xffff;
  h[6] = ((h[7]! >>> 5) | (h[8]! << 8)) & 0xffff;
  h[7] = ((h[8]! >>> 8) | (h[9]! << 5)) & 0xffff;
  let f = h[0] + pad[0]!;
  h[0] = f & 0xffff;
  for (let i = 1; i < 8; i++) {
    f = (((h[i]! + pad[i]!) | 0) + (f >>> 16)) | 0;
    h[i] = f & 0xffff;
  }
}

/** The Poly1305 tag of `msg` under the 32-byte one-time `key`, written to `out[outAt..outAt + 16]`. */
export function poly1305Into(
  msg: Uint8Array,
  key: Uint8Array,
  out: Uint8Array,
  outAt: number,
): void {
  const t0 = u8to16(key, 0);
  const t1 = u8to16(key, 2);
  const t2 = u8to16(key, 4);
  const t3 = u8to16(key, 6);
  const t4 = u8to16(key, 8);
  const t5 = u8to16(key, 10);
  const t6 = u8to16(key, 12);
  const t7 = u8to16(key, 14);
  r[0] = t0 & 0x1fff;
  r[1] = ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
  r[2] = ((t1 >>> 10) | (t2 << 6)) & 0x1f03;
  r[3] = ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
  r[4] = ((t3 >>> 4) | (t4 << 12)) & 0x00ff;
  r[5] = (t4 >>> 1) & 0x1ffe;
  r[6] = ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
  r[7] = ((t5 >>> 11) | (t6 << 5)) & 0x1f81;
  r[8] = ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
  r[9] = (t7 >>> 5) & 0x007f;
  for (let i = 0; i < 8; i++) pad[i] = u8to16(key, 16 + 2 * i);
  h.fill(0);
  const len = msg.length;
  const full = len - (len % 16);
  for (let pos = 0; pos < full; pos += 16) process(msg, pos, 1 << 11);
  if (full < len) {
    tail.set(msg.subarray(full));
    let pos = len - full;
    tail[pos++] = 1;
    for (; pos < 16; pos++) tail[pos] = 0;
    process(tail, 0, 0);
  }
  finalize();
  for (let i = 0; i < 8; i++) {
    out[outAt + 2 * i] = h[i]! & 0xff;
    out[outAt + 2 * i + 1] = h[i]! >>> 8;
  }
  r.fill(0);
  h.fill(0);
  g.fill(0);
  pad.fill(0);
  tail.fill(0);
}
