// GPT-2's reversible byte <-> printable-unicode mapping used by byte-level BPE vocabularies.

function buildByteToChar(): string[] {
  const printable: number[] = [];
  const push = (from: number, to: number): void => {
    for (let b = from; b <= to; b++) printable.push(b);
  };
  push(0x21, 0x7e);
  push(0xa1, 0xac);
  push(0xae, 0xff);
  const table: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const code = printable.includes(b) ? b : 256 + extra++;
    table[b] = String.fromCodePoint(code);
  }
  return table;
}

export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

const CHAR_TO_BYTE = new Map<string, number>(BYTE_TO_CHAR.map((ch, b) => [ch, b]));

const utf8 = new TextEncoder();

export function bytesToSymbols(text: string): string {
  let out = "";
  for (const b of utf8.encode(text)) out += BYTE_TO_CHAR[b];
  return out;
}

/** Maps a byte-level token string back to raw bytes; unknown characters fall back to UTF-8. */
export function symbolsToBytes(symbols: string): number[] {
  const out: number[] = [];
  for (const ch of symbols) {
    const b = CHAR_TO_BYTE.get(ch);
    if (b !== undefined) out.push(b);
    else out.push(...utf8.encode(ch));
  }
  return out;
}
