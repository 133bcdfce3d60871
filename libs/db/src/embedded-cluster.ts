import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  writeFile,
} from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { ConnectError, Code } from "@connectrpc/connect";
import { runCommand, type RunAs } from "./run-command.js";

/** Our file inside the data folder holding the superuser password chosen at initdb time. */
const PASSWORD_FILE = "darkbloom.password";

export type ClusterOptions = {
  readonly dataDir: string;
  readonly initdb: string;
  readonly runAs: RunAs;
  readonly durable: boolean;
};

/**
 * Makes `dataDir` an initialised cluster and returns its superuser password. An existing cluster
 * is reused. initdb runs in a sibling staging folder that is renamed into place only when
 * complete, so a crash mid-init never leaves a half-made cluster at `dataDir`.
 */
export async function ensureCluster(options: ClusterOptions): Promise<string> {
  const existing = await readdir(options.dataDir).catch(() => undefined);
  if (existing !== undefined && existing.includes("PG_VERSION")) {
    return readPassword(options.dataDir);
  }
  if (existing !== undefined && existing.length > 0) {
    throw new ConnectError(
      `${options.dataDir} is neither empty nor a PostgreSQL cluster; move it away to start fresh`,
      Code.FailedPrecondition,
    );
  }
  const parent = path.dirname(options.dataDir);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(path.join(parent, `.${path.basename(options.dataDir)}.initdb-`));
  try {
    const password = randomBytes(24).toString("base64url");
    const passwordFile = path.join(staging, "pwfile");
    const clusterDir = path.join(staging, "data");
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    await mkdir(clusterDir, { mode: 0o700 });
    if (options.runAs !== undefined) {
      for (const target of [staging, passwordFile, clusterDir]) {
        await chown(target, options.runAs.uid, options.runAs.gid);
      }
    }
    await runCommand(
      options.initdb,
      [
        `--pgdata=${clusterDir}`,
        "--username=postgres",
        "--auth=scram-sha-256",
        `--pwfile=${passwordFile}`,
        "--encoding=UTF8",
        "--locale=C",
        ...(options.durable ? [] : ["--no-sync"]),
      ],
      options.runAs,
    );
    await writeFile(path.join(clusterDir, PASSWORD_FILE), password, { mode: 0o600 });
    await rm(options.dataDir, { recursive: true, force: true });
    await rename(clusterDir, options.dataDir);
    return password;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function readPassword(dataDir: string): Promise<string> {
  try {
    return (await readFile(path.join(dataDir, PASSWORD_FILE), "utf8")).trim();
  } catch (error) {
    throw new ConnectError(
      `${dataDir} is a PostgreSQL cluster not created by darkbloom (no ${PASSWORD_FILE})`,
      Code.FailedPrecondition,
      undefined,
      undefined,
      error,
    );
  }
}

/** Ensures the folder is private to the server's user, as PostgreSQL demands. */
export async function fixDataDirOwnership(dataDir: string, runAs: RunAs): Promise<void> {
  await chmod(dataDir, 0o700);
  if (runAs !== undefined) {
    await chown(dataDir, runAs.uid, runAs.gid);
  }
}
