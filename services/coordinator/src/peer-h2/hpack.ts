// HPACK (RFC 7541): the decoder for the header blocks a peer sends us, and a stateless encoder for
// the ones we send. Header names and values are octets, held as latin1 strings.
import { EOS_SYMBOL, HUFFMAN_CODE, STATIC_TABLE } from "./hpack-tables.js";

/** A malformed header block: the connection ends with COMPRESSION_ERROR. */
export class HpackError extends Error {}

/** Bytes a table entry or a header-list field counts for beyond its name and value (§4.1). */
const ENTRY_OVERHEAD = 32;
const DEFAULT_TABLE_SIZE = 4096;
const DEFAULT_MAX_LIST_BYTES = 65_536;
/** Larger integers than any HTTP/2 length or table size are refused rather than computed. */
const MAX_INTEGER = 2 ** 31 - 1;
/** Continuation bytes beyond this shift cannot hold a valid integer (5 bytes carry 35 bits). */
const MAX_INTEGER_SHIFT = 28;

// First-byte patterns of the field representations (§6).
const INDEXED = 0x80;
const LITERAL_INCREMENTAL = 0x40;
const SIZE_UPDATE_MASK = 0xe0;
const SIZE_UPDATE = 0x20;
const LITERAL_WITHOUT_INDEXING = 0x00;
const LITERAL_NEVER_INDEXED = 0x10;
const HUFFMAN_FLAG = 0x80;

type Field = readonly [name: string, value: string];

// ---------------------------------------------------------------------------------------------
// Huffman decoding: a walk, one bit at a time, down the code's binary tree.

/**
 * The Huffman code as a flat binary tree: the children of internal node `n` are at `2n` (bit 0)
 * and `2n + 1` (bit 1); a child is another internal node's number (> 0, the root is 0) or a leaf,
 * stored as `~symbol` (< 0). The code is complete, so every slot is filled.
 */
const HUFFMAN_TREE = buildHuffmanTree();

function buildHuffmanTree(): Int16Array {
  // A complete code over 257 symbols has 256 internal nodes.
  const tree = new Int16Array(2 * (HUFFMAN_CODE.length - 1));
  let nodes = 1;
  HUFFMAN_CODE.forEach(([code, bits], symbol) => {
    let node = 0;
    for (let shift = bits - 1; shift > 0; shift--) {
      const slot = 2 * node + ((code >>> shift) & 1);
      if (tree[slot] === 0) tree[slot] = nodes++;
      node = tree[slot] as number;
    }
    tree[2 * node + (code & 1)] = ~symbol;
  });
  return tree;
}

/**
 * Decodes `src[start, end)`. The bits after the last symbol must be padding (§5.2): at most 7
 * bits, all ones (a prefix of EOS). EOS itself must not appear.
 */
function decodeHuffman(src: Buffer, start: number, end: number): string {
  // Every code is at least 5 bits long.
  const out = Buffer.allocUnsafe(Math.floor(((end - start) * 8) / 5));
  let length = 0;
  let node = 0;
  let pendingBits = 0;
  let pendingAllOnes = true;
  for (let i = start; i < end; i++) {
    const byte = src[i] as number;
    for (let shift = 7; shift >= 0; shift--) {
      const bit = (byte >> shift) & 1;
      const next = HUFFMAN_TREE[2 * node + bit] as number;
      if (next >= 0) {
        node = next;
        pendingBits++;
        if (bit === 0) pendingAllOnes = false;
        continue;
      }
      const symbol = ~next;
      if (symbol === EOS_SYMBOL) throw new HpackError("Huffman string contains EOS");
      out[length++] = symbol;
      node = 0;
      pendingBits = 0;
      pendingAllOnes = true;
    }
  }
  if (pendingBits > 7) throw new HpackError(`Huffman padding of ${pendingBits} bits`);
  if (!pendingAllOnes) throw new HpackError("Huffman padding is not all ones");
  return out.toString("latin1", 0, length);
}

// ---------------------------------------------------------------------------------------------
// Reading the primitive types (§5) from one header block.

class BlockReader {
  private pos = 0;

  constructor(private readonly block: Buffer) {}

  get done(): boolean {
    return this.pos >= this.block.length;
  }

  byte(): number {
    if (this.pos >= this.block.length) throw new HpackError("header block truncated");
    return this.block[this.pos++] as number;
  }

  /** An integer whose first `prefixBits` bits are the low bits of `first` (§5.1). */
  integer(first: number, prefixBits: number): number {
    const prefixMax = (1 << prefixBits) - 1;
    let value = first & prefixMax;
    if (value < prefixMax) return value;
    for (let shift = 0; ; shift += 7) {
      if (shift > MAX_INTEGER_SHIFT) throw new HpackError("integer encoding too long");
      const byte = this.byte();
      value += (byte & 0x7f) * 2 ** shift;
      if (value > MAX_INTEGER) throw new HpackError("integer too large");
      if ((byte & 0x80) === 0) return value;
    }
  }

  /** A string literal (§5.2), Huffman-coded or raw. */
  string(): string {
    const first = this.byte();
    const length = this.integer(first, 7);
    if (length > this.block.length - this.pos) throw new HpackError("string runs past the block");
    const start = this.pos;
    this.pos += length;
    return first & HUFFMAN_FLAG
      ? decodeHuffman(this.block, start, this.pos)
      : this.block.toString("latin1", start, this.pos);
  }
}

// ---------------------------------------------------------------------------------------------
// The dynamic table (§2.3.2, §4).

const entrySize = (name: string, value: string) => name.length + value.length + ENTRY_OVERHEAD;

class DynamicTable {
  /** Oldest first: HPACK's dynamic index 1 is the last element. */
  private readonly entries: Field[] = [];
  private size = 0;

  constructor(private capacity: number) {}

  get length(): number {
    return this.entries.length;
  }

  /** `index` is 1-based, newest first; undefined beyond the table. */
  get(index: number): Field | undefined {
    return this.entries[this.entries.length - index];
  }

  add(name: string, value: string): void {
    const size = entrySize(name, value);
    if (size > this.capacity) {
      // An entry larger than the whole table empties it and is not added (§4.4).
      this.entries.length = 0;
      this.size = 0;
      return;
    }
    this.evictUntil(this.capacity - size);
    this.entries.push([name, value]);
    this.size += size;
  }

  resize(capacity: number): void {
    this.capacity = capacity;
    this.evictUntil(capacity);
  }

  private evictUntil(maxSize: number): void {
    while (this.size > maxSize) {
      const [name, value] = this.entries.shift() as Field;
      this.size -= entrySize(name, value);
    }
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Decodes the header blocks of one connection, in the order they arrive: the dynamic table
 * carries over from block to block. After an HpackError the table is undefined and the
 * connection must end.
 */
export class HpackDecoder {
  private readonly table: DynamicTable;
  private readonly maxTableSize: number;
  private readonly maxListBytes: number;

  /**
   * maxTableSize: the SETTINGS_HEADER_TABLE_SIZE we advertise (default 4096), which is also the
   * table's starting size; maxListBytes: largest decoded header list (name + value + 32 per
   * field, default 65536).
   */
  constructor(options: { maxTableSize?: number; maxListBytes?: number } = {}) {
    this.maxTableSize = options.maxTableSize ?? DEFAULT_TABLE_SIZE;
    this.maxListBytes = options.maxListBytes ?? DEFAULT_MAX_LIST_BYTES;
    this.table = new DynamicTable(this.maxTableSize);
  }

  /** Decodes one complete header block (HEADERS + CONTINUATION payloads joined). */
  decode(block: Uint8Array): [name: string, value: string][] {
    const reader = new BlockReader(Buffer.from(block.buffer, block.byteOffset, block.byteLength));
    const fields: [string, string][] = [];
    let listBytes = 0;
    while (!reader.done) {
      const first = reader.byte();
      if ((first & SIZE_UPDATE_MASK) === SIZE_UPDATE) {
        // Only at the start of a block (§4.2).
        if (fields.length > 0) throw new HpackError("table size update after a header field");
        this.resizeTable(reader.integer(first, 5));
        continue;
      }
      const [name, value] = this.field(first, reader);
      listBytes += entrySize(name, value);
      if (listBytes > this.maxListBytes)
        throw new HpackError(`header list larger than ${this.maxListBytes} bytes`);
      fields.push([name, value]);
    }
    return fields;
  }

  private resizeTable(size: number): void {
    if (size > this.maxTableSize)
      throw new HpackError(`table size ${size} above the advertised ${this.maxTableSize}`);
    this.table.resize(size);
  }

  /** One field representation (§6.1, §6.2), whose first byte is `first`. */
  private field(first: number, reader: BlockReader): Field {
    if (first & INDEXED) return this.lookup(reader.integer(first, 7));
    const incremental = (first & LITERAL_INCREMENTAL) !== 0;
    const nameIndex = reader.integer(first, incremental ? 6 : 4);
    const name = nameIndex === 0 ? reader.string() : this.lookup(nameIndex)[0];
    const value = reader.string();
    if (incremental) this.table.add(name, value);
    return [name, value];
  }

  /** The entry at `index` in the combined address space (§2.3.3): static, then dynamic. */
  private lookup(index: number): Field {
    if (index === 0) throw new HpackError("index 0");
    const entry =
      index <= STATIC_TABLE.length
        ? STATIC_TABLE[index - 1]
        : this.table.get(index - STATIC_TABLE.length);
    if (!entry)
      throw new HpackError(`index ${index} beyond ${STATIC_TABLE.length + this.table.length}`);
    return entry;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding: literals only, so the peer's dynamic table is never touched and we keep no state.

/** The first static-table index of each name. */
const STATIC_NAME_INDEX = new Map<string, number>();
STATIC_TABLE.forEach(([name], i) => {
  if (!STATIC_NAME_INDEX.has(name)) STATIC_NAME_INDEX.set(name, i + 1);
});

/** Most bytes a field needs beyond its name and value: a 2-byte index, two 6-byte lengths. */
const MAX_FIELD_OVERHEAD = 14;
const UPPERCASE = /[A-Z]/;
const NOT_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * Encodes a header list as literals without indexing (or "never indexed" when sensitive), names
 * by static-table index when the static table has that name, strings without Huffman (so the
 * encoder keeps no state). Names must be lowercase and every character an octet (U+0000..U+00FF);
 * anything else is a programming error (TypeError).
 */
export function encodeHeaders(
  fields: readonly (readonly [name: string, value: string, sensitive?: boolean])[],
): Buffer {
  let capacity = 0;
  for (const [name, value] of fields) {
    checkField(name, value);
    capacity += name.length + value.length + MAX_FIELD_OVERHEAD;
  }
  const out = Buffer.allocUnsafe(capacity);
  let pos = 0;
  for (const [name, value, sensitive] of fields) {
    const nameIndex = STATIC_NAME_INDEX.get(name) ?? 0;
    const pattern = sensitive ? LITERAL_NEVER_INDEXED : LITERAL_WITHOUT_INDEXING;
    pos = writeInteger(out, pos, pattern, 4, nameIndex);
    if (nameIndex === 0) pos = writeString(out, pos, name);
    pos = writeString(out, pos, value);
  }
  return out.subarray(0, pos);
}

function checkField(name: string, value: string): void {
  if (UPPERCASE.test(name)) throw new TypeError(`header name ${name} is not lowercase`);
  if (NOT_LATIN1.test(name) || NOT_LATIN1.test(value))
    throw new TypeError(`header ${name} has a character beyond U+00FF`);
}

/** Writes `value` with a `prefixBits`-bit prefix after the high bits `pattern` (§5.1). */
function writeInteger(
  out: Buffer,
  pos: number,
  pattern: number,
  prefixBits: number,
  value: number,
): number {
  const prefixMax = (1 << prefixBits) - 1;
  if (value < prefixMax) {
    out[pos++] = pattern | value;
    return pos;
  }
  out[pos++] = pattern | prefixMax;
  let rest = value - prefixMax;
  while (rest >= 0x80) {
    out[pos++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[pos++] = rest;
  return pos;
}

/** A raw (not Huffman-coded) string literal. */
function writeString(out: Buffer, pos: number, s: string): number {
  pos = writeInteger(out, pos, 0, 7, s.length);
  return pos + out.write(s, pos, "latin1");
}
