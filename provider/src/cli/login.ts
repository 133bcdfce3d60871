import { flag } from "./args.js";
import type { CliContext } from "./cli-context.js";
import { readCredentials, removeCredentials, saveCredentials } from "./credentials.js";
import { EXIT } from "./exit-codes.js";
import { toHttpBaseUrl } from "./start.js";

const GRANT = "urn:ietf:params:oauth:grant-type:device_code";

interface DeviceCode {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval: number;
}

/** `darkbloom login`: RFC 8628 device authorization against the coordinator. */
export async function loginCommand(ctx: CliContext): Promise<number> {
  const { out, paths } = ctx;
  const coordinatorUrl = flag(ctx.args, "coordinator") ?? ctx.config.coordinatorUrl;
  const base = toHttpBaseUrl(coordinatorUrl);
  const post = (path: string, body: Record<string, string>): Promise<Response> =>
    fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(body).toString(),
      signal: AbortSignal.timeout(15_000),
    });
  let code: DeviceCode;
  try {
    const res = await post("/v1/device/code", { client_id: "darkbloom-provider" });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    code = (await res.json()) as DeviceCode;
  } catch (err) {
    out.error(`cannot reach ${base}: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.network;
  }
  out.info(
    `To link this provider to your account, open ${code.verification_uri_complete ?? code.verification_uri}\nand enter the code: ${code.user_code}`,
  );
  let intervalMs = code.interval * 1000;
  const until = Date.now() + code.expires_in * 1000;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, intervalMs));
    let res: Response;
    try {
      res = await post("/v1/device/token", {
        grant_type: GRANT,
        device_code: code.device_code,
        client_id: "darkbloom-provider",
      });
    } catch {
      continue; // transient network error: keep polling until the code expires
    }
    const body = (await res.json()) as {
      access_token?: string;
      account_id?: string;
      error?: string;
    };
    if (res.ok && body.access_token) {
      await saveCredentials(paths, {
        token: body.access_token,
        coordinatorUrl,
        accountId: body.account_id ?? "",
      });
      out.result(
        { loggedIn: true, accountId: body.account_id ?? "" },
        `logged in; this provider now earns for account ${body.account_id ?? ""}`,
      );
      return EXIT.ok;
    }
    if (body.error === "authorization_pending") continue;
    if (body.error === "slow_down") {
      intervalMs += 5000;
      continue;
    }
    out.error(
      body.error === "access_denied"
        ? "the login was denied"
        : body.error === "expired_token"
          ? "the code expired; run darkbloom login again"
          : `login failed: ${body.error ?? res.status}`,
    );
    return EXIT.auth;
  }
  out.error("the code expired; run darkbloom login again");
  return EXIT.auth;
}

/** `darkbloom logout`: forgets the provider token (the daemon sends none after a restart). */
export async function logoutCommand(ctx: CliContext): Promise<number> {
  const had = (await readCredentials(ctx.paths)) !== undefined;
  await removeCredentials(ctx.paths);
  ctx.out.result({ loggedOut: had }, had ? "logged out" : "was not logged in");
  return EXIT.ok;
}
