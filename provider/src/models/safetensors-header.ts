import { open } from "node:fs/promises";

export type HeaderCheck = { ok: true; tensors: number } | { ok: false; error: string };

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Reads a safetensors header and checks every tensor's byte range lies inside the file. */
export async function readSafetensorsHeader(file: string): Promise<HeaderCheck> {
  const fh = await open(file, "r");
  try {
    const { size } = await fh.stat();
    if (size < 8) return { ok: false, error: "file is shorter than the 8-byte header length" };
    const lenBuf = Buffer.alloc(8);
    await fh.read(lenBuf, 0, 8, 0);
    const headerBytes = Number(lenBuf.readBigUInt64LE(0));
    if (headerBytes > MAX_HEADER_BYTES || 8 + headerBytes > size)
      return { ok: false, error: `header length ${headerBytes} does not fit the file` };
    const json = Buffer.alloc(headerBytes);
    await fh.read(json, 0, headerBytes, 8);
    let header: Record<string, { data_offsets?: [number, number] }>;
    try {
      header = JSON.parse(json.toString("utf8")) as typeof header;
    } catch {
      return { ok: false, error: "header is not valid JSON" };
    }
    const dataBytes = size - 8 - headerBytes;
    let tensors = 0;
    for (const [name, t] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      tensors++;
      const end = t.data_offsets?.[1];
      if (typeof end !== "number" || end > dataBytes)
        return { ok: false, error: `tensor ${name} extends past the end of the file (truncated?)` };
    }
    return { ok: true, tensors };
  } finally {
    await fh.close();
  }
}
