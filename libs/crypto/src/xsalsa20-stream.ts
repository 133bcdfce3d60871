// XSalsa20 for the small messages of the relay (a chunk is a few dozen bytes): no allocation but
// the caller's output, the state in module scratch words that are zeroed after every call.
// noble's xsalsa20poly1305 spent most of a 64-byte chunk's time on views, copies and checks.

const SIGMA0 = 0x61707865; // "expand 32-byte k", little-endian words
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

const state = new Uint32Array(16);
const block = new Uint32Array(16);
// The keystream block's bytes, read straight from its words on a little-endian host.
const blockBytes = new Uint8Array(block.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

function word(b: Uint8Array, i: number): number {
  return (
    ((b[i] as number) |
      ((b[i + 1] as number) << 8) |
      ((b[i + 2] as number) << 16) |
      ((b[i + 3] as number) << 24)) >>>
    0
  );
}

/** 20 rounds of Salsa20 over `state` into `block`; `feedForward` adds the input (Salsa20), else not (HSalsa20). */
function core(feedForward: boolean): void {
  const s = state;
  let x0 = s[0] as number,
    x1 = s[1] as number,
    x2 = s[2] as number,
    x3 = s[3] as number,
    x4 = s[4] as number,
    x5 = s[5] as number,
    x6 = s[6] as number,
    x7 = s[7] as number,
    x8 = s[8] as number,
    x9 = s[9] as number,
    x10 = s[10] as number,
    x11 = s[11] as number,
    x12 = s[12] as number,
    x13 = s[13] as number,
    x14 = s[14] as number,
    x15 = s[15] as number;
  for (let r = 0; r < 20; r += 2) {
    x4 ^= rotl((x0 + x12) | 0, 7);
    x8 ^= rotl((x4 + x0) | 0, 9);
    x12 ^= rotl((x8 + x4) | 0, 13);
    x0 ^= rotl((x12 + x8) | 0, 18);
    x9 ^= rotl((x5 + x1) | 0, 7);
    x13 ^= rotl((x9 + x5) | 0, 9);
    x1 ^= rotl((x13 + x9) | 0, 13);
    x5 ^= rotl((x1 + x13) | 0, 18);
    x14 ^= rotl((x10 + x6) | 0, 7);
    x2 ^= rotl((x14 + x10) | 0, 9);
    x6 ^= rotl((x2 + x14) | 0, 13);
    x10 ^= rotl((x6 + x2) | 0, 18);
    x3 ^= rotl((x15 + x11) | 0, 7);
    x7 ^= rotl((x3 + x15) | 0, 9);
    x11 ^= rotl((x7 + x3) | 0, 13);
    x15 ^= rotl((x11 + x7) | 0, 18);
    x1 ^= rotl((x0 + x3) | 0, 7);
    x2 ^= rotl((x1 + x0) | 0, 9);
    x3 ^= rotl((x2 + x1) | 0, 13);
    x0 ^= rotl((x3 + x2) | 0, 18);
    x6 ^= rotl((x5 + x4) | 0, 7);
    x7 ^= rotl((x6 + x5) | 0, 9);
    x4 ^= rotl((x7 + x6) | 0, 13);
    x5 ^= rotl((x4 + x7) | 0, 18);
    x11 ^= rotl((x10 + x9) | 0, 7);
    x8 ^= rotl((x11 + x10) | 0, 9);
    x9 ^= rotl((x8 + x11) | 0, 13);
    x10 ^= rotl((x9 + x8) | 0, 18);
    x12 ^= rotl((x15 + x14) | 0, 7);
    x13 ^= rotl((x12 + x15) | 0, 9);
    x14 ^= rotl((x13 + x12) | 0, 13);
    x15 ^= rotl((x14 + x13) | 0, 18);
  }
  const b = block;
  if (feedForward) {
    b[0] = x0 + (s[0] as number);
    b[1] = x1 + (s[1] as number);
    b[2] = x2 + (s[2] as number);
    b[3] = x3 + (s[3] as number);
    b[4] = x4 + (s[4] as number);
    b[5] = x5 + (s[5] as number);
    b[6] = x6 + (s[6] as number);
    b[7] = x7 + (s[7] as number);
    b[8] = x8 + (s[8] as number);
    b[9] = x9 + (s[9] as number);
    b[10] = x10 + (s[10] as number);
    b[11] = x11 + (s[11] as number);
    b[12] = x12 + (s[12] as number);
    b[13] = x13 + (s[13] as number);
    b[14] = x14 + (s[14] as number);
    b[15] = x15 + (s[15] as number);
  } else {
    // HSalsa20's output words, in the order the subkey takes them
    b[0] = x0;
    b[1] = x5;
    b[2] = x10;
    b[3] = x15;
    b[4] = x6;
    b[5] = x7;
    b[6] = x8;
    b[7] = x9;
  }
}

const byteOf = (j: number): number => ((block[j >> 2] as number) >>> ((j & 3) << 3)) & 0xff;

/**
 * XSalsa20 keyed by `key` (32 bytes) and the 24-byte nonce at `nonce[nonceAt..]`: the first 32
 * keystream bytes go to `polyKey` (the Poly1305 one-time key of NaCl's secretbox), the following
 * ones are XORed from `input` into `output` (same length; may be the same array).
 */
export function xsalsa20Xor(
  key: Uint8Array,
  nonce: Uint8Array,
  nonceAt: number,
  input: Uint8Array,
  output: Uint8Array,
  polyKey: Uint8Array,
): void {
  const s = state;
  const b = block;
  s[0] = SIGMA0;
  s[1] = word(key, 0);
  s[2] = word(key, 4);
  s[3] = word(key, 8);
  s[4] = word(key, 12);
  s[5] = SIGMA1;
  s[6] = word(nonce, nonceAt);
  s[7] = word(nonce, nonceAt + 4);
  s[8] = word(nonce, nonceAt + 8);
  s[9] = word(nonce, nonceAt + 12);
  s[10] = SIGMA2;
  s[11] = word(key, 16);
  s[12] = word(key, 20);
  s[13] = word(key, 24);
  s[14] = word(key, 28);
  s[15] = SIGMA3;
  core(false);
  // Salsa20 under the subkey, the nonce's last 8 bytes, counter from 0
  s[1] = b[0] as number;
  s[2] = b[1] as number;
  s[3] = b[2] as number;
  s[4] = b[3] as number;
  s[11] = b[4] as number;
  s[12] = b[5] as number;
  s[13] = b[6] as number;
  s[14] = b[7] as number;
  s[6] = word(nonce, nonceAt + 16);
  s[7] = word(nonce, nonceAt + 20);
  s[8] = 0;
  s[9] = 0;
  const length = input.length;
  let i = -32; // keystream position minus the 32 bytes of Poly1305 key
  while (i < length) {
    core(true);
    let j = 0;
    for (; j < 64 && i < 0; j++, i++) polyKey[i + 32] = byteOf(j);
    if (LITTLE_ENDIAN) {
      for (; j < 64 && i < length; j++, i++)
        output[i] = (input[i] as number) ^ (blockBytes[j] as number);
    } else {
      for (; j < 64 && i < length; j++, i++) output[i] = (input[i] as number) ^ byteOf(j);
    }
    s[8] = (s[8] + 1) >>> 0;
    if (s[8] === 0) s[9] = (s[9] + 1) >>> 0;
  }
  s.fill(0);
  b.fill(0);
}
