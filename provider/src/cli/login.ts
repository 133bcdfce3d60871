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
    if (res.status === 429) {
      out.error(
        `${base} is limiting logins from this address: try again in ${res.headers.get("retry-after") ?? "60"} s`,
      );
      return EXIT.network;
    }
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

/**
 * `darkbloom logout [--force]`: revokes the provider token at the coordinator
 * (`POST /v1/device/revoke`; the gateway then refuses it at the next registration) and forgets it.
 * When the coordinator cannot be reached the token is kept (so logout can be retried) unless
 * `--force` forgets it locally anyway.
 */
export async function logoutCommand(ctx: CliContext): Promise<number> {
  const creds = await readCredentials(ctx.paths);
  if (!creds) {
    ctx.out.result({ loggedOut: false, revoked: false }, "was not logged in");
    return EXIT.ok;
  }
  const base = toHttpBaseUrl(
    flag(ctx.args, "coordinator") ?? (creds.coordinatorUrl || ctx.config.coordinatorUrl),
  );
  let revoked: boolean;
  try {
    const res = await fetch(`${base}/v1/device/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${creds.token}`, "content-type": "application/json" },
      body: "{}",
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    revoked = ((await res.json()) as { revoked?: boolean }).revoked === true;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (flag(ctx.args, "force") !== "true") {
      ctx.out.error(
        `cannot revoke the token at ${base} (${why}); it is kept: retry, or use --force to forget it locally only`,
      );
      return EXIT.network;
    }
    ctx.out.info(`cannot revoke the token at ${base} (${why}); forgetting it locally (--force)`);
    revoked = false;
  }
  await removeCredentials(ctx.paths);
  ctx.out.result(
    { loggedOut: true, revoked },
    revoked
      ? "logged out; the token is revoked"
      : "logged out (the token was not live at the coordinator)",
  );
  return EXIT.ok;
}
