import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * With the embedded (local) database, the first-start admin key is also kept in the data folder
 * (mode 0600) so `npm start` can show it again. Never used with an external DATABASE_URL.
 */
export async function saveBootstrapKey(dataDir: string, key: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await writeFile(path.join(dataDir, "bootstrap-api-key"), key + "\n", { mode: 0o600 });
}

export async function readBootstrapKey(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(path.join(dataDir, "bootstrap-api-key"), "utf8")).trim() || undefined;
  } catch {
    return undefined;
  }
}
