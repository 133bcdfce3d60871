import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./child-process.js";
import { inheritedEnv } from "./config.js";
import { dockerignoreMatcher, execForm, parseDockerfile, stages } from "./dockerfile.js";

const run = promisify(execFile);

/**
 * A Dockerfile "built" without Docker: every stage gets its own folder standing for its root
 * filesystem, and the instructions are carried out there — COPY from the build context (honouring
 * .dockerignore) or from an earlier stage, RUN of npm commands (absolute paths mapped into the
 * stage's folder), WORKDIR, ENV, USER, ENTRYPOINT/CMD. What is not npm cannot run here (apt-get,
 * shell scripts): such a Dockerfile is refused. The base image is this machine's Node.
 */
export interface ImageTree {
  /** Folder standing for the final stage's root filesystem. */
  root: string;
  /** WORKDIR of the final stage, mapped into root. */
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  /** ENTRYPOINT + CMD with absolute paths mapped into root and `node` as this process's node. */
  command: string[];
}

interface StageState {
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
}

const inRoot = (root: string, p: string): string => path.join(root, p);

function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g))
    env[m[1]!] = m[2]!.replace(/^"|"$/g, "");
  return env;
}

export async function assembleImage(dockerfile: string, into: string): Promise<ImageTree> {
  const all = stages(parseDockerfile(readFileSync(path.join(REPO_ROOT, dockerfile), "utf8")));
  const ignored = dockerignoreMatcher(readFileSync(path.join(REPO_ROOT, ".dockerignore"), "utf8"));
  const built = new Map<string, StageState>();
  let last: StageState | undefined;
  for (const [index, stage] of all.entries()) {
    const from = built.get(stage.base);
    const root = path.join(into, stage.name ?? `stage-${index}`);
    mkdirSync(root, { recursive: true });
    if (from) cpSync(from.root, root, { recursive: true, verbatimSymlinks: true });
    const state: StageState = {
      root,
      workdir: from?.workdir ?? "/",
      env: { ...(from?.env ?? {}) },
    };
    for (const ins of stage.instructions) {
      switch (ins.keyword) {
        case "WORKDIR":
          state.workdir = path.posix.resolve(state.workdir, ins.args);
          mkdirSync(inRoot(root, state.workdir), { recursive: true });
          break;
        case "ENV":
          Object.assign(state.env, parseEnv(ins.args));
          break;
        case "USER":
          state.user = ins.args;
          break;
        case "COPY": {
          const words = ins.args.split(/\s+/);
          const fromStage = words.find((w) => w.startsWith("--from="))?.slice("--from=".length);
          const paths = words.filter((w) => !w.startsWith("--"));
          const dest = path.posix.resolve(state.workdir, paths[paths.length - 1]!);
          const sources = paths.slice(0, -1);
          const intoDir =
            dest.endsWith("/") || sources.length > 1 || paths[paths.length - 1]!.endsWith("/");
          for (const src of sources) {
            const source = fromStage
              ? inRoot(
                  built.get(fromStage)?.root ?? fail(`COPY --from=${fromStage}: no such stage`),
                  src,
                )
              : path.join(REPO_ROOT, src);
            if (!existsSync(source)) fail(`line ${ins.line}: COPY source ${src} does not exist`);
            const isDir = statSync(source).isDirectory();
            const target = inRoot(
              root,
              intoDir && !isDir ? path.posix.join(dest, path.posix.basename(src)) : dest,
            );
            mkdirSync(path.dirname(target), { recursive: true });
            cpSync(source, target, {
              recursive: true,
              verbatimSymlinks: true,
              filter: (file) => fromStage !== undefined || !ignored(path.relative(REPO_ROOT, file)),
            });
          }
          break;
        }
        case "RUN": {
          const argv = ins.args.split(/\s+/);
          if (argv[0] !== "npm")
            fail(`line ${ins.line}: only npm commands can run without Docker: ${ins.args}`);
          const mapped = argv.slice(1).map((a) => (a.startsWith("/") ? inRoot(root, a) : a));
          await run("npm", [...mapped, "--prefer-offline"], {
            cwd: inRoot(root, state.workdir),
            env: { ...inheritedEnv(), ...state.env },
            maxBuffer: 16 * 1024 * 1024,
          });
          break;
        }
        case "ENTRYPOINT":
          state.entrypoint =
            execForm(ins) ?? fail(`line ${ins.line}: ENTRYPOINT must be in exec form`);
          break;
        case "CMD":
          state.cmd = execForm(ins) ?? fail(`line ${ins.line}: CMD must be in exec form`);
          break;
        case "EXPOSE":
        case "STOPSIGNAL":
        case "LABEL":
          break;
        default:
          fail(`line ${ins.line}: ${ins.keyword} is not supported without Docker`);
      }
    }
    if (stage.name) built.set(stage.name, state);
    last = state;
  }
  if (!last) fail(`${dockerfile} has no stage`);
  const command = [...(last.entrypoint ?? []), ...(last.cmd ?? [])].map((a, i) =>
    i === 0 && a === "node" ? process.execPath : a.startsWith("/") ? inRoot(last.root, a) : a,
  );
  return {
    root: last.root,
    workdir: inRoot(last.root, last.workdir),
    env: last.env,
    user: last.user,
    command,
  };
}

function fail(message: string): never {
  throw new Error(message);
}
