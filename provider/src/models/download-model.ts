import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { ModelManifest } from "@darkbloom/model-contract";
import { DownloadError, downloadResumable } from "./resumable-download.js";

export { DownloadError };

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
    const got = await downloadResumable(file.url, dest, {
      expectedBytes: file.sizeBytes,
      onProgress: (fileBytes) =>
        onProgress({ doneBytes: doneBytes + fileBytes, totalBytes, file: file.path }),
    });
    resumedBytes += got.resumedBytes;
    downloadedBytes += got.downloadedBytes;
    if (got.sizeBytes !== file.sizeBytes || got.sha256 !== file.sha256) {
      await rm(dest, { force: true });
      throw new DownloadError(
        `${file.path}: expected ${file.sizeBytes} bytes with sha256 ${file.sha256}, got ${got.sizeBytes} bytes with ${got.sha256}; the partial file was removed`,
      );
    }
    doneBytes += file.sizeBytes;
    onProgress({ doneBytes, totalBytes, file: file.path });
  }
  await rm(finalDir, { recursive: true, force: true });
  await rename(partialDir, finalDir);
  return { dir: finalDir, resumedBytes, downloadedBytes };
}
