import { readFile, rm } from "node:fs/promises";
import { writeFileAtomic } from "../write-file-atomic.js";
import type { HomePaths } from "./home-paths.js";

/** The provider token from `darkbloom login`, kept in `<home>/credentials.json` (mode 0600). */
export interface Credentials {
  token: string;
  coordinatorUrl: string;
  accountId: string;
}

export async function readCredentials(paths: HomePaths): Promise<Credentials | undefined> {
  try {
    const c = JSON.parse(await readFile(paths.credentials, "utf8")) as Partial<Credentials>;
    return typeof c.token === "string" && c.token
      ? { token: c.token, coordinatorUrl: c.coordinatorUrl ?? "", accountId: c.accountId ?? "" }
      : undefined;
  } catch {
    return undefined;
  }
}

export async function saveCredentials(paths: HomePaths, c: Credentials): Promise<void> {
  await writeFileAtomic(paths.credentials, JSON.stringify(c) + "\n", { mode: 0o600 });
}

export async function removeCredentials(paths: HomePaths): Promise<boolean> {
  const had = (await readCredentials(paths)) !== undefined;
  await rm(paths.credentials, { force: true });
  return had;
}
