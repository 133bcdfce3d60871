// One URL to one file on disk, resumable: a partial file continues with an HTTP Range request,
// and the SHA-256 is computed while streaming (the partial bytes first), never in memory whole.
import { createHash, type Hash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

export class DownloadError extends Error {
  override readonly name = "DownloadError";
}

export interface ResumableOptions {
  /** The file's size when known: a larger partial file is discarded, an equal one is complete. */
  expectedBytes?: number;
  /** Bytes of the file on disk so far (resumed + downloaded), after every chunk. */
  onProgress?: (fileBytes: number, totalBytes: number) => void;
}

export interface ResumableResult {
  sha256: string;
  sizeBytes: number;
  resumedBytes: number;
  downloadedBytes: number;
}

/** Downloads `url` to `dest`, resuming a partial `dest`; resolves with the whole file's SHA-256. */
export async function downloadResumable(
  url: string,
  dest: string,
  opts: ResumableOptions = {},
): Promise<ResumableResult> {
  let have = await sizeOf(dest);
  if (opts.expectedBytes !== undefined && have > opts.expectedBytes) {
    await rm(dest, { force: true });
    have = 0;
  }
  const hash = createHash("sha256");
  if (opts.expectedBytes !== undefined && have === opts.expectedBytes && have > 0)
    return {
      sha256: await hashInto(hash, dest),
      sizeBytes: have,
      resumedBytes: have,
      downloadedBytes: 0,
    };
  const res = await fetch(url, { headers: have > 0 ? { range: `bytes=${have}-` } : {} });
  // 416: nothing left after our partial file — it is whole (the hash decides if it is right).
  if (res.status === 416 && have > 0)
    return {
      sha256: await hashInto(hash, dest),
      sizeBytes: have,
      resumedBytes: have,
      downloadedBytes: 0,
    };
  if (res.status !== 200 && res.status !== 206)
    throw new DownloadError(`${url}: HTTP ${res.status}`);
  if (!res.body) throw new DownloadError(`${url}: empty response`);
  const append = res.status === 206 && have > 0;
  const resumedBytes = append ? have : 0;
  if (append) await hashInto(hash, dest);
  const remaining = Number(res.headers.get("content-length") ?? NaN);
  const totalBytes =
    opts.expectedBytes ?? (Number.isFinite(remaining) ? resumedBytes + remaining : 0);
  let fileBytes = resumedBytes;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      fileBytes += chunk.byteLength;
      opts.onProgress?.(fileBytes, totalBytes);
      done(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      tap,
      createWriteStream(dest, { flags: append ? "a" : "w" }),
    );
  } catch (cause) {
    throw new DownloadError(
      `${url}: download interrupted after ${await sizeOf(dest)} bytes; run the command again to resume`,
      { cause },
    );
  }
  return {
    sha256: hash.digest("hex"),
    sizeBytes: fileBytes,
    resumedBytes,
    downloadedBytes: fileBytes - resumedBytes,
  };
}

async function hashInto(hash: Hash, file: string): Promise<string> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.copy().digest("hex");
}

export async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
