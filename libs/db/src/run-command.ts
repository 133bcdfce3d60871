import { execFile } from "node:child_process";
import { ConnectError, Code } from "@connectrpc/connect";

export type RunAs = { readonly uid: number; readonly gid: number } | undefined;

/** Runs a program (no shell) and returns its stdout; a failure carries the program's stderr. */
export async function runCommand(
  file: string,
  args: readonly string[],
  runAs?: RunAs,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { ...runAs, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(
            new ConnectError(
              `${file} ${args.join(" ")} failed: ${stderr.trim() || error.message}`,
              Code.Internal,
              undefined,
              undefined,
              error,
            ),
          );
          return;
        }
        resolve(stdout);
      },
    );
  });
}
