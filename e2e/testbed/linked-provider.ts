// A provider linked to an operator account by the real `darkbloom login` device flow (approved
// with the operator's key through POST /v1/device/approve), then started with the minted token.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT, spawnTs, type Spawned } from "./child-process.js";

export const PROVIDER_CLI = path.join(REPO_ROOT, "provider/src/cli/main.ts");

export interface LinkedProvider {
  readonly process: Spawned;
  readonly home: string;
  stop(): Promise<void>;
}

/** Logs a provider in as `operatorKey`'s account and starts it serving `modelDir`. */
export async function startLinkedProvider(
  coordinatorUrl: string,
  operatorKey: string,
  modelDir: string,
): Promise<LinkedProvider> {
  const home = await mkdtemp(path.join(tmpdir(), "darkbloom-linked-"));
  const running: Spawned[] = [];
  const stop = async (): Promise<void> => {
    for (const p of running.reverse()) await p.stop();
    await rm(home, { recursive: true, force: true });
  };
  try {
    const env = { DARKBLOOM_HOME: home, LOG_LEVEL: "warn" };
    const login = spawnTs(PROVIDER_CLI, ["login", "--coordinator", coordinatorUrl], env);
    running.push(login);
    const match = await login.waitFor(/code: ([A-Z]{4}-[A-Z]{4})/, 30_000);
    const approve = await fetch(`${coordinatorUrl}/v1/device/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${operatorKey}`, "content-type": "application/json" },
      body: JSON.stringify({ user_code: match[1] }),
    });
    if (approve.status !== 200) throw new Error(`device approve answered ${approve.status}`);
    const code = await new Promise<number | null>((r) => login.child.once("exit", (c) => r(c)));
    if (code !== 0) throw new Error(`darkbloom login exited ${code}: ${login.output()}`);
    const provider = spawnTs(
      PROVIDER_CLI,
      ["start", "--coordinator", coordinatorUrl, "--model", modelDir],
      env,
    );
    running.push(provider);
    await provider.waitFor(/provider serving/, 60_000);
    return { process: provider, home, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
