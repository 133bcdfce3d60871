import { userInfo } from "node:os";
import { runCommand, type RunAs } from "./run-command.js";

/**
 * PostgreSQL refuses to run as root. As root we run it as the `postgres` OS user, creating the
 * user (and group) the first time; as anyone else we run it as ourselves (`undefined`).
 */
export async function postgresRunAs(): Promise<RunAs> {
  if (userInfo().uid !== 0) {
    return undefined;
  }
  const existing = await lookupUser().catch(() => undefined);
  if (existing !== undefined) {
    return existing;
  }
  await runCommand("groupadd", ["--force", "postgres"]);
  await runCommand("useradd", ["--gid", "postgres", "--no-create-home", "postgres"]);
  return lookupUser();
}

async function lookupUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    runCommand("id", ["-u", "postgres"]),
    runCommand("id", ["-g", "postgres"]),
  ]);
  return { uid: Number.parseInt(uid.trim(), 10), gid: Number.parseInt(gid.trim(), 10) };
}
