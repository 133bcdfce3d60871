import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { sha256File } from "./hash-weights.js";
import type { ModelManifest } from "./manifest.js";

export class DownloadError extends Error {
  override readonly name = "DownloadError";
}

export interface DownloadProgress {
  doneBytes: number;
  totalBytes: number;
  file: string;
}

export interface DownloadResult {
  dir: string;
  resumedBytes: number;
  downloadedBytes: number;
}

/**
 * Downloads a manifest's files into `<modelsDir>/<id>`: each file goes to `<id>.partial/<file>`,
 * a partial file resumes with an HTTP Range request, every file is checked against the manifest's
 * size and SHA-256, and only a fully verified folder is renamed into place.
 */
export async function downloadModel(
  manifest: ModelManifest,
  modelsDir: string,
  onProgress: (p: DownloadProgress) => void = () => undefined,
): Promise<DownloadResult> {
  const finalDir = path.join(modelsDir, manifest.id);
  const partialDir = path.join(modelsDir, `${manifest.id}.partial`);
  await mkdir(partialDir, { recursive: true });
  const totalBytes = manifest.files.reduce((n, f) => n + f.sizeBytes, 0);
  let doneBytes = 0;
  let resumedBytes = 0;
  let downloadedBytes = 0;
  for (const file of manifest.files) {
    const dest = path.join(partialDir, file.path);
    const have = await sizeOf(dest);
    if (have > file.sizeBytes) await rm(dest);
    const start = have > file.sizeBytes ? 0 : have;
    resumedBytes += start;
    doneBytes += start;
    if (start < file.sizeBytes) {
      const res = await fetch(file.url, {
        headers: start > 0 ? { range: `bytes=${start}-` } : {},
      });
      if (res.status !== 200 && res.status !== 206)
        throw new DownloadError(`${file.url}: HTTP ${res.status}`);
      if (!res.body) throw new DownloadError(`${file.url}: empty response`);
      const append = res.status === 206 && start > 0;
      if (!append) doneBytes -= start;
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      body.on("data", (chunk: Buffer) => {
        doneBytes += chunk.byteLength;
        downloadedBytes += chunk.byteLength;
        onProgress({ doneBytes, totalBytes, file: file.path });
      });
      try {
        await pipeline(body, createWriteStream(dest, { flags: append ? "a" : "w" }));
      } catch (cause) {
        throw new DownloadError(
          `${file.path}: download interrupted after ${await sizeOf(dest)} of ${file.sizeBytes} bytes; run the command again to resume`,
          { cause },
        );
      }
    }
    const size = await sizeOf(dest);
    const sha256 = await sha256File(dest);
    if (size !== file.sizeBytes || sha256 !== file.sha256) {
      await rm(dest, { force: true });
      throw new DownloadError(
        `${file.path}: expected ${file.sizeBytes} bytes with sha256 ${file.sha256}, got ${size} bytes with ${sha256}; the partial file was removed`,
      );
    }
    onProgress({ doneBytes, totalBytes, file: file.path });
  }
  await rm(finalDir, { recursive: true, force: true });
  await rename(partialDir, finalDir);
  return { dir: finalDir, resumedBytes, downloadedBytes };
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
