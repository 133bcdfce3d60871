import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { ConnectError, Code } from "@connectrpc/connect";

export type Migration = {
  readonly version: number;
  /** File name without extension, e.g. `001_accounts`. */
  readonly name: string;
  readonly sql: string;
};

const FILE_PATTERN = /^(\d+)_([a-z0-9_]+)\.sql$/;

/** Reads `NNN_name.sql` files from a folder, sorted by version; refuses odd names and duplicate versions. */
export async function readMigrations(directory: string): Promise<readonly Migration[]> {
  const files = (await readdir(directory)).filter((file) => file.endsWith(".sql"));
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_PATTERN.exec(file);
    if (match === null || match[1] === undefined) {
      throw new ConnectError(
        `migration file ${file} in ${directory} is not named NNN_name.sql`,
        Code.FailedPrecondition,
      );
    }
    const text = await readFile(path.join(directory, file), "utf8");
    migrations.push({
      version: Number.parseInt(match[1], 10),
      name: file.slice(0, -".sql".length),
      sql: text,
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]?.version === migrations[i - 1]?.version) {
      throw new ConnectError(
        `duplicate migration version ${migrations[i]?.version} in ${directory}`,
        Code.FailedPrecondition,
      );
    }
  }
  return migrations;
}
