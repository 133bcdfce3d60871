// Protobuf wire primitives for the few messages written and read without protobuf-es's
// reflection on the hot path (the edge's inference body, the peers' ForwardInfer request and
// chunks, the provider socket's InferenceRequest, Chunk and reply frames). Each such codec is
// pinned by tests to toBinary/fromBinary's bytes and to its schema's fields. Node only (Buffer).
import { latin1String } from "@darkbloom/crypto";

/** Wire types. */
export const VARINT = 0;
export const DELIMITED = 2;
export const FIXED32 = 5;

/** A field's tag as it is written: `(field << 3) | wire`. */
export const tag = (field: number, wire: number): number => (field << 3) | wire;

/** Bytes a varint of `n` (at most 32 bits) takes. */
export const varintSize = (n: number): number =>
  n < 2 ** 7 ? 1 : n < 2 ** 14 ? 2 : n < 2 ** 21 ? 3 : n < 2 ** 28 ? 4 : 5;

/** Writes `n` (at most 32 bits) at `at`; returns the position after it. */
export function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/**
 * The varint at `pos` in its shortest form, of at most 32 bits; it takes `varintSize(value)` bytes.
 * -1 when it is truncated, longer than 32 bits or padded (the full decoder reads those).
 */
export function readVarint(data: Uint8Array, pos: number): number {
  const first = data[pos];
  if (first === undefined) return -1;
  if (first < 0x80) return first;
  let v = first & 0x7f;
  for (let shift = 7; shift <= 28; shift += 7) {
    const b = data[++pos];
    if (b === undefined) return -1;
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return b === 0 || v > 0xffffffff ? -1 : v;
  }
  return -1;
}

/** data[from, to) as a string when it is ASCII (where UTF-8 and latin1 agree), else undefined. */
export function readAscii(data: Uint8Array, from: number, to: number): string | undefined {
  for (let i = from; i < to; i++) if ((data[i] ?? 0x80) >= 0x80) return undefined;
  return latin1String(data, from, to);
}

/** `readAscii` handed to `set`; false (the full decoder decides) when the text is not ASCII. */
export function readAsciiInto(
  data: Uint8Array,
  from: number,
  to: number,
  set: (text: string) => void,
): boolean {
  const s = readAscii(data, from, to);
  if (s === undefined) return false;
  set(s);
  return true;
}

/** A field for `readFields`: a varint's value, or a delimited field's length and body [at, end). */
export type FieldReader = (tag: number, value: number, at: number, end: number) => boolean;

/**
 * Hands each field of data[from, to) to `field`; false when one is malformed, of a wire type other
 * than varint or delimited, numbered above 15, or refused by `field` (the full decoder decides).
 */
export function readFields(
  data: Uint8Array,
  from: number,
  to: number,
  field: FieldReader,
): boolean {
  let pos = from;
  while (pos < to) {
    const t = data[pos++] ?? 0x80;
    if (t >= 0x80) return false;
    const v = readVarint(data, pos);
    if (v < 0) return false;
    pos += varintSize(v);
    if ((t & 7) === DELIMITED) {
      const end = pos + v;
      if (end > to || !field(t, v, pos, end)) return false;
      pos = end;
    } else if ((t & 7) !== VARINT || !field(t, v, pos, pos)) return false;
  }
  return pos === to;
}

/**
 * One growing buffer written in field order; a nested message's length is written in front of it
 * once it is known. Proto3 defaults (empty strings and bytes) are left out unless `…Always`.
 */
export class ProtobufWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(sizeHint = 512) {
    this.buf = Buffer.allocUnsafe(sizeHint);
  }

  /** The bytes written: a view of the writer's buffer (no copy), so the writer is done with. */
  finish(): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.pos);
  }

  tag(field: number, wire: number): void {
    this.varint(tag(field, wire));
  }

  /** A varint of at most 32 bits. */
  varint(value: number): void {
    this.room(5);
    while (value > 0x7f) {
      this.buf[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buf[this.pos++] = value;
  }

  varint64(value: bigint): void {
    this.room(10);
    while (value > 0x7fn) {
      this.buf[this.pos++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.buf[this.pos++] = Number(value);
  }

  varintField(field: number, value: number): void {
    this.tag(field, VARINT);
    this.varint(value);
  }

  floatField(field: number, value: number): void {
    this.tag(field, FIXED32);
    this.room(4);
    this.buf.writeFloatLE(value, this.pos);
    this.pos += 4;
  }

  /** A proto3 string field: written only when not empty. */
  string(field: number, value: string): void {
    if (value.length > 0) this.stringAlways(field, value);
  }

  /** A string written even when empty (a oneof member, a list item). */
  stringAlways(field: number, value: string): void {
    this.tag(field, DELIMITED);
    const bytes = Buffer.byteLength(value, "utf8");
    this.varint(bytes);
    this.room(bytes);
    this.pos += this.buf.write(value, this.pos, "utf8");
  }

  /** A proto3 bytes field: written only when not empty. */
  bytes(field: number, value: Uint8Array): void {
    if (value.length > 0) this.bytesAlways(field, value);
  }

  /** Bytes written even when empty (an element of a repeated field). */
  bytesAlways(field: number, value: Uint8Array): void {
    this.tag(field, DELIMITED);
    this.varint(value.length);
    this.room(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Starts a nested message: its tag and one byte kept for its length. */
  open(field: number): number {
    this.tag(field, DELIMITED);
    this.room(1);
    return this.pos++;
  }

  /** Ends the nested message opened at `at`: its length there, the body moved when it needs more. */
  close(at: number): void {
    const length = this.pos - at - 1;
    const size = varintSize(length);
    if (size > 1) {
      this.room(size - 1);
      this.buf.copyWithin(at + size, at + 1, this.pos);
      this.pos += size - 1;
    }
    writeVarint(this.buf, at, length);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}
