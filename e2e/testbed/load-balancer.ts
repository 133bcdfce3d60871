import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "@darkbloom/testing";
import { spawnTracked, type Spawned } from "./child-process.js";

/** One backend as HAProxy reports it on its stats page. */
export interface BackendStatus {
  name: string;
  /** "UP", "DOWN", "UP 1/2" (going up), "DOWN 1/2", "MAINT", "no check". */
  status: string;
  /** Sessions HAProxy opened to it (total). */
  sessions: number;
}

export interface LoadBalancer {
  /** http:// URL clients and providers use (ws:// for providers: the same host and port). */
  url: string;
  /** The backend names, in the order given: `c0`, `c1`, ... */
  names: string[];
  process: Spawned;
  status(): Promise<BackendStatus[]>;
  /** Resolves once every named backend has `status` ("UP" or "DOWN") on the stats page. */
  waitFor(status: "UP" | "DOWN", names: readonly string[], timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface LoadBalancerOptions {
  /** Readiness check interval (default 200 ms): two failed checks take a backend out. */
  checkIntervalMs?: number;
}

/**
 * Debian's HAProxy (installed by .ci/run), unprivileged on a free loopback port in front of the
 * given coordinator URLs:
 * - health checks `GET /readyz` every `checkIntervalMs`; two failures (a 503 or no answer in
 *   2 s) take a backend out, two successes bring it back; state changes are logged to its output;
 * - HTTP/1.1 and h2c (prior knowledge) from clients, HTTP/1.1 to the coordinators, one backend
 *   connection per request (no reuse race with a replica that closes its listener);
 * - WebSocket upgrades pass through (providers), tunnels kept open for an hour;
 * - a connection refused is retried on another backend (`option redispatch`).
 * Stopped (and its temp folder removed) by `stop()`, and if startup fails.
 */
export async function startLoadBalancer(
  backends: readonly string[],
  options: LoadBalancerOptions = {},
): Promise<LoadBalancer> {
  const dir = await mkdtemp(path.join(tmpdir(), "darkbloom-haproxy-"));
  const port = await freePort();
  const statsPort = await freePort();
  const inter = options.checkIntervalMs ?? 200;
  const names = backends.map((_, i) => `c${i}`);
  const servers = backends.map((b, i) => {
    const u = new URL(b);
    return `  server ${names[i]} ${u.hostname}:${u.port} check`;
  });
  const config = [
    "global",
    "  maxconn 4096",
    "  log stderr format short local0 notice",
    "defaults",
    "  log global",
    "  mode http",
    "  timeout connect 2s",
    "  timeout client 120s",
    "  timeout server 120s",
    "  timeout tunnel 1h",
    // a busy coordinator on a loaded machine may take a moment to answer its check
    "  timeout check 2s",
    "  timeout http-request 30s",
    "  option http-server-close",
    "  retries 3",
    "  option redispatch 1",
    "  retry-on conn-failure empty-response",
    "frontend api",
    `  bind 127.0.0.1:${port}`,
    "  default_backend coordinators",
    "backend coordinators",
    "  balance roundrobin",
    "  option httpchk GET /readyz",
    "  http-check expect status 200",
    `  default-server inter ${inter} fastinter ${inter} downinter ${inter} fall 2 rise 2`,
    ...servers,
    "listen stats",
    `  bind 127.0.0.1:${statsPort}`,
    "  stats enable",
    "  stats uri /stats",
    "",
  ].join("\n");
  const file = path.join(dir, "haproxy.cfg");
  await writeFile(file, config);
  const proc = spawnTracked("haproxy", ["-db", "-f", file], {}, "haproxy");
  const statsUrl = `http://127.0.0.1:${statsPort}/stats;csv`;
  const status = async (): Promise<BackendStatus[]> => {
    const text = await (await fetch(statsUrl)).text();
    const [header, ...rows] = text.trim().split("\n");
    const cols = (header ?? "").replace(/^# /, "").split(",");
    const at = (row: string[], col: string): string => row[cols.indexOf(col)] ?? "";
    return rows
      .map((r) => r.split(","))
      .filter((r) => at(r, "pxname") === "coordinators" && names.includes(at(r, "svname")))
      .map((r) => ({
        name: at(r, "svname"),
        status: at(r, "status"),
        sessions: Number(at(r, "stot")),
      }));
  };
  const lb: LoadBalancer = {
    url: `http://127.0.0.1:${port}`,
    names,
    process: proc,
    status,
    async waitFor(want, which, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const now = await status().catch(() => []);
        if (which.every((n) => now.find((s) => s.name === n)?.status === want)) return;
        if (Date.now() > until)
          throw new Error(`haproxy: ${which.join(",")} not ${want}: ${JSON.stringify(now)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await proc.stop(2_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await lb.waitFor(
      "UP",
      names.filter((_, i) => backends[i] !== undefined),
      20_000,
    );
    return lb;
  } catch (err) {
    await lb.stop();
    throw new Error(`haproxy did not come up:\n${proc.output()}`, { cause: err });
  }
}
