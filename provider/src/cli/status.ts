import { readFile } from "node:fs/promises";
import type { DaemonSnapshot } from "../daemon/status-snapshot.js";
import type { CliContext } from "./cli-context.js";
import { readCredentials } from "./credentials.js";
import { EXIT } from "./exit-codes.js";
import { readLivePid } from "./pid-file.js";
import { toHttpBaseUrl } from "./start.js";

type StatusFile = DaemonSnapshot & { pid: number; version: string; coordinatorUrl: string };

interface Earnings {
  accountId: string;
  balanceMicroUsd: string;
}

/** `darkbloom status`: the daemon's status file, plus earnings from the coordinator when logged in. */
export async function statusCommand(ctx: CliContext): Promise<number> {
  const { out, paths } = ctx;
  const pid = await readLivePid(paths.pidFile);
  let status: StatusFile | undefined;
  if (pid !== undefined) {
    try {
      status = JSON.parse(await readFile(paths.statusFile, "utf8")) as StatusFile;
    } catch {
      // starting: no status yet
    }
  }
  const earnings = await fetchEarnings(ctx);
  const data = { running: pid !== undefined, pid: pid ?? null, ...status, earnings };
  const lines = [
    pid === undefined
      ? "daemon: not running"
      : `daemon: running (pid ${pid}), ${status?.state ?? "starting"}`,
  ];
  if (status) {
    lines.push(`coordinator: ${status.coordinatorUrl} (${status.connection})`);
    lines.push(
      `trust: ${status.trust ? `${status.trust.level}${status.trust.routable ? "" : ` (not routable: ${status.trust.reason})`}` : "not reported yet"}`,
    );
    for (const m of status.models)
      lines.push(
        m.state === "loaded"
          ? `model ${m.id}: loaded, ${m.running} running, ${m.waiting} waiting, ${m.maxTokensPotential} tokens free${m.templateOk ? "" : `, template broken: ${m.error}`}`
          : `model ${m.id}: FAILED: ${m.error}`,
      );
    lines.push(
      `served ${status.counters.served}, failed ${status.counters.failed}, tokens ${status.counters.tokens}`,
    );
  }
  if (earnings && "balanceMicroUsd" in earnings)
    lines.push(
      `earnings: $${(Number(earnings.balanceMicroUsd) / 1e6).toFixed(6)} (account ${earnings.accountId})`,
    );
  else lines.push(`earnings: ${earnings?.error ?? "not logged in (darkbloom login)"}`);
  out.result(data, lines.join("\n"));
  return pid === undefined ? EXIT.notRunning : EXIT.ok;
}

async function fetchEarnings(ctx: CliContext): Promise<Earnings | { error: string } | null> {
  const creds = await readCredentials(ctx.paths);
  if (!creds) return null;
  const base = toHttpBaseUrl(creds.coordinatorUrl || ctx.config.coordinatorUrl);
  try {
    const res = await fetch(`${base}/v1/provider/account`, {
      headers: { authorization: `Bearer ${creds.token}` },
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return { error: `coordinator answered ${res.status}` };
    return (await res.json()) as Earnings;
  } catch (err) {
    return {
      error: `coordinator unreachable: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
