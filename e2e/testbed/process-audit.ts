import { readFile, readdir, readlink } from "node:fs/promises";

/** A process in this test run's process tree (children and grandchildren such as postgres). */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
}

/** Helpers the runner itself keeps (tsx's esbuild service), which are not the testbed's. */
const RUNNER_HELPERS = /^esbuild$/;

async function readProcess(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // comm is in parentheses and may contain spaces; the fields after it are space separated.
    const close = stat.lastIndexOf(")");
    const command = stat.slice(stat.indexOf("(") + 1, close);
    const ppid = Number(stat.slice(close + 2).split(" ")[1]);
    return { pid, ppid, command };
  } catch {
    return undefined; // exited while we looked: not a leak
  }
}

/** Whether `pid` is a live process (not gone, not a zombie left for a parent to reap). */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return stat !== "" && state !== "Z";
}

/** Every live descendant of `rootPid` (default: this process), from /proc. */
export async function descendants(rootPid = process.pid): Promise<ProcessInfo[]> {
  const pids = (await readdir("/proc")).filter((n) => /^\d+$/.test(n)).map(Number);
  const all = (await Promise.all(pids.map(readProcess))).filter(
    (p): p is ProcessInfo => p !== undefined,
  );
  const children = new Map<number, ProcessInfo[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: ProcessInfo[] = [];
  const queue = [rootPid];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out.filter((p) => !RUNNER_HELPERS.test(p.command));
}

/** TCP ports in LISTEN state held by any of these processes (from /proc/net/tcp{,6}). */
export async function listeningPorts(pids: readonly number[]): Promise<number[]> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m?.[1]) inodes.add(m[1]);
    }
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await readFile(table, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st ... inode(9)
      if (cols[3] !== "0A" || !cols[9] || !inodes.has(cols[9])) continue;
      ports.add(parseInt(cols[1]?.split(":")[1] ?? "0", 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/**
 * Process-tree leak check for a suite: call `snapshot()` in its `before` and `assertNoneLeft()` in
 * its last `after` (mocha runs `after` hooks in registration order). Fails naming every process the
 * suite started (or that one's children, such as postgres backends) that is still alive, and the
 * ports they listen on.
 */
export function processLeakCheck(graceMs = 5_000): {
  snapshot(): Promise<void>;
  assertNoneLeft(): Promise<void>;
} {
  let baseline = new Set<number>();
  return {
    async snapshot() {
      baseline = new Set((await descendants()).map((p) => p.pid));
    },
    async assertNoneLeft() {
      const until = Date.now() + graceMs;
      let leaked: ProcessInfo[] = [];
      do {
        leaked = (await descendants()).filter((p) => !baseline.has(p.pid));
        if (leaked.length === 0) return;
        await new Promise((r) => setTimeout(r, 100));
      } while (Date.now() < until);
      const ports = await listeningPorts(leaked.map((p) => p.pid));
      throw new Error(
        `leaked processes: ${leaked.map((p) => `${p.pid} ${p.command}`).join(", ")}; listening ports: ${ports.join(", ") || "none"}`,
      );
    },
  };
}
