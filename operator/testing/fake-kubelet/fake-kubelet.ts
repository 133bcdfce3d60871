// A fake node for the fake API server: binds Pods to itself, runs each as a local process with the
// pod template's environment (Secrets, ConfigMaps, fieldRefs, $(VAR) expansion), gives each Pod its
// own loopback address (127.0.0.N, so every Pod can listen on the template's ports, and a bind to
// 0.0.0.0 becomes that address), reports readiness from the readiness probe into the Pod's status,
// and on deletion sends SIGTERM, waits up to the grace period, then removes the Pod.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { call } from "../http-helpers.js";

export interface FakeKubeletOptions {
  server: string;
  /** The process to run for a container image. */
  command: (image: string) => { cmd: string; args: string[]; cwd?: string };
  pollMs?: number;
  /** Extra environment for every process (e.g. PATH). */
  baseEnv?: Record<string, string | undefined>;
  log?: (line: string) => void;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}
interface Container {
  image: string;
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: number | string } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Pod {
  metadata: {
    name: string;
    namespace: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
  };
  spec: { nodeName?: string; containers: Container[] };
  status?: { podIP?: string };
}

interface Running {
  child: ChildProcess;
  ip: string;
  dirs: string[];
  ready: boolean;
  exited: boolean;
  stopping?: Promise<void>;
  output: string;
}

export class FakeKubelet {
  private readonly running = new Map<string, Running>();
  private nextIp = 2;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> = Promise.resolve();
  private state: "running" | "closed" = "running";

  constructor(private readonly o: FakeKubeletOptions) {}

  static start(o: FakeKubeletOptions): FakeKubelet {
    const k = new FakeKubelet(o);
    k.schedule();
    return k;
  }

  /** Output of the process running a Pod (for test diagnostics). */
  outputOf(ns: string, name: string): string {
    return this.running.get(`${ns}/${name}`)?.output ?? "";
  }

  private schedule(): void {
    if (this.state !== "running") return;
    this.timer = setTimeout(() => {
      this.busy = this.sync()
        .catch((err: unknown) => this.o.log?.(`kubelet sync failed: ${String(err)}`))
        .finally(() => this.schedule());
    }, this.o.pollMs ?? 300);
  }

  private async sync(): Promise<void> {
    const pods = ((await call(this.o.server, "GET", "/api/v1/pods")).body.items ?? []) as Pod[];
    const seen = new Set<string>();
    for (const pod of pods) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      seen.add(key);
      const r = this.running.get(key);
      if (pod.metadata.deletionTimestamp) {
        if (r) await this.stop(key, r, (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000);
        await call(
          this.o.server,
          "DELETE",
          `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}?gracePeriodSeconds=0`,
        );
        continue;
      }
      if (!r) await this.startPod(key, pod);
      else await this.probe(pod, r);
    }
    for (const [key, r] of this.running) if (!seen.has(key)) await this.stop(key, r, 0);
  }

  private async resolveEnv(pod: Pod, c: Container, ip: string): Promise<Record<string, string>> {
    const ns = pod.metadata.namespace;
    const read = async (kind: "secrets" | "configmaps", name: string) => {
      const r = await call(this.o.server, "GET", `/api/v1/namespaces/${ns}/${kind}/${name}`);
      if (r.status !== 200) throw new Error(`${kind}/${name} not found`);
      const data = (r.body.data ?? {}) as Record<string, string>;
      return kind === "secrets"
        ? Object.fromEntries(
            Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
          )
        : data;
    };
    const env: Record<string, string> = {};
    for (const f of c.envFrom ?? []) {
      if (f.configMapRef) Object.assign(env, await read("configmaps", f.configMapRef.name));
      if (f.secretRef) Object.assign(env, await read("secrets", f.secretRef.name));
    }
    for (const e of c.env ?? []) {
      const from = e.valueFrom;
      let v: string | undefined;
      if (e.value !== undefined)
        v = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => env[name] ?? m);
      else if (from?.secretKeyRef)
        v = (await read("secrets", from.secretKeyRef.name))[from.secretKeyRef.key];
      else if (from?.configMapKeyRef)
        v = (await read("configmaps", from.configMapKeyRef.name))[from.configMapKeyRef.key];
      else if (from?.fieldRef) {
        const fp = from.fieldRef.fieldPath;
        v =
          fp === "status.podIP"
            ? ip
            : fp === "metadata.name"
              ? pod.metadata.name
              : fp === "metadata.namespace"
                ? ns
                : undefined;
      }
      if (v !== undefined) env[e.name] = v;
    }
    for (const [k, v] of Object.entries(env)) if (v === "0.0.0.0") env[k] = ip;
    return env;
  }

  private async startPod(key: string, pod: Pod): Promise<void> {
    const c = pod.spec.containers[0];
    if (!c) return;
    const ip = `127.0.0.${this.nextIp++}`;
    const env = await this.resolveEnv(pod, c, ip);
    const dirs: string[] = [];
    for (const m of c.volumeMounts ?? []) {
      const dir = mkdtempSync(path.join(tmpdir(), `kubelet-${pod.metadata.name}-${m.name}-`));
      dirs.push(dir);
      for (const [k, v] of Object.entries(env)) if (v === m.mountPath) env[k] = dir;
    }
    const { cmd, args, cwd } = this.o.command(c.image);
    const child = spawn(cmd, args, {
      cwd,
      env: { ...this.o.baseEnv, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const r: Running = { child, ip, dirs, ready: false, exited: false, output: "" };
    const keep = (b: Buffer) => {
      r.output = (r.output + b.toString()).slice(-20_000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.once("exit", () => (r.exited = true));
    this.running.set(key, r);
    const ns = pod.metadata.namespace;
    await call(
      this.o.server,
      "PATCH",
      `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}`,
      { spec: { nodeName: "fake-node" } },
      "application/merge-patch+json",
    );
    await this.setStatus(pod, r, false);
    this.o.log?.(`pod ${key} started on ${ip}`);
  }

  private async setStatus(pod: Pod, r: Running, ready: boolean): Promise<void> {
    r.ready = ready;
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    await call(
      this.o.server,
      "PATCH",
      `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`,
      {
        status: {
          phase: r.exited ? "Failed" : "Running",
          podIP: r.ip,
          podIPs: [{ ip: r.ip }],
          hostIP: "127.0.0.1",
          conditions: [
            { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: now },
          ],
        },
      },
      "application/merge-patch+json",
    );
  }

  private async probe(pod: Pod, r: Running): Promise<void> {
    const c = pod.spec.containers[0];
    const get = c?.readinessProbe?.httpGet;
    let ok = !r.exited;
    if (ok && get) {
      const port =
        typeof get.port === "number"
          ? get.port
          : c?.ports?.find((p) => p.name === get.port)?.containerPort;
      try {
        const res = await fetch(`http://${r.ip}:${port}${get.path}`, {
          signal: AbortSignal.timeout(2000),
        });
        await res.body?.cancel();
        ok = res.status >= 200 && res.status < 400;
      } catch {
        ok = false;
      }
    }
    if (ok !== r.ready || (r.exited && pod.status?.podIP)) await this.setStatus(pod, r, ok);
  }

  private stop(key: string, r: Running, graceMs: number): Promise<void> {
    r.stopping ??= (async () => {
      if (!r.exited) {
        const exited = new Promise<void>((res) =>
          r.exited ? res() : r.child.once("exit", () => res()),
        );
        r.child.kill("SIGTERM");
        const timer = setTimeout(() => r.child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      for (const d of r.dirs) rmSync(d, { recursive: true, force: true });
      this.running.delete(key);
    })();
    return r.stopping;
  }

  async close(): Promise<void> {
    this.state = "closed";
    if (this.timer) clearTimeout(this.timer);
    await this.busy;
    await Promise.all([...this.running].map(([k, r]) => this.stop(k, r, 10_000)));
  }
}
