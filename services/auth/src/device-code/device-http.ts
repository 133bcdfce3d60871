import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import { toHttpError } from "@darkbloom/http-errors";
import type { DeviceAuthorization, TokenError } from "./device-authorization.js";
import { bearer, readFields, sendJson } from "./http-body.js";

export interface DeviceHttpDeps {
  device: DeviceAuthorization;
  /** API key → account (approve needs a logged-in account). */
  authenticate(apiKey: string): Promise<{ accountId: string } | null>;
  /**
   * A request without an API key: the console's cookie session (docs/console.md), "csrf" when
   * the session's CSRF token is missing; absent: API keys only.
   */
  session?(req: IncomingMessage): Promise<{ accountId: string } | "csrf" | null>;
  /** The account's provider earnings (`provider:<account>`), shown by `darkbloom status`. */
  balanceMicroUsd(accountId: string): Promise<bigint>;
  /** A token was minted: refresh the gateway's token cache. */
  onTokenMinted(): void;
  /** A token was revoked: refresh the gateway's token cache (default: onTokenMinted). */
  onTokenRevoked?(): void;
}

const PATHS = new Set([
  "/v1/device/code",
  "/v1/device/token",
  "/v1/device/approve",
  "/v1/device/revoke",
  "/v1/provider/account",
]);
const GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/**
 * `/v1/device/*` (RFC 8628), `/v1/device/revoke` (the provider token revokes itself, RFC 7009
 * style: sent as Bearer or as the `token` field) and `/v1/provider/account` over HTTP/1.1;
 * errors in OAuth's shape.
 */
export function createDeviceHttp(deps: DeviceHttpDeps) {
  const oauthError = (
    res: ServerResponse,
    status: number,
    error: string,
    description: string,
  ): void => sendJson(res, status, { error, error_description: description });

  async function serve(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (path === "/v1/provider/account") {
      if (req.method !== "GET") return oauthError(res, 405, "invalid_request", "use GET");
      const accountId = await deps.device.authenticateProviderToken(bearer(req) ?? "");
      if (!accountId)
        return oauthError(res, 401, "invalid_token", "send the provider token as a Bearer token");
      const balance = await deps.balanceMicroUsd(accountId);
      return sendJson(res, 200, { accountId, balanceMicroUsd: balance.toString() });
    }
    if (req.method !== "POST") return oauthError(res, 405, "invalid_request", "use POST");
    const fields = await readFields(req);
    if (!fields)
      return oauthError(
        res,
        400,
        "invalid_request",
        "body must be form-encoded or JSON, at most 16 KiB",
      );
    switch (path) {
      case "/v1/device/code":
        try {
          const clientIp = req.socket.remoteAddress ?? "";
          const grant = await deps.device.start(
            fields["client_id"] || "darkbloom-provider",
            clientIp,
          );
          return sendJson(res, 200, grant);
        } catch (err) {
          if (!(err instanceof ConnectError) || err.code !== Code.ResourceExhausted) throw err;
          res.setHeader("retry-after", err.metadata.get("retry-after") ?? "60");
          return oauthError(res, toHttpError(err).status, "slow_down", err.rawMessage);
        }
      case "/v1/device/revoke": {
        const token = bearer(req) || fields["token"] || "";
        if (!token) return oauthError(res, 400, "invalid_request", "send the token to revoke");
        // RFC 7009: an unknown or already revoked token is not an error, the answer says which.
        const revoked = await deps.device.revokeProviderToken(token);
        if (revoked) (deps.onTokenRevoked ?? deps.onTokenMinted)();
        return sendJson(res, 200, { revoked });
      }
      case "/v1/device/token": {
        if (fields["grant_type"] !== GRANT)
          return oauthError(res, 400, "unsupported_grant_type", `grant_type must be ${GRANT}`);
        const deviceCode = fields["device_code"];
        if (!deviceCode) return oauthError(res, 400, "invalid_request", "device_code is required");
        const r = await deps.device.poll(deviceCode);
        if (!r.ok) return oauthError(res, 400, r.error, TOKEN_ERRORS[r.error]);
        deps.onTokenMinted();
        return sendJson(res, 200, {
          access_token: r.token,
          token_type: "Bearer",
          account_id: r.accountId,
        });
      }
      default: {
        const key = bearer(req);
        const principal =
          key || !deps.session ? await deps.authenticate(key ?? "") : await deps.session(req);
        if (principal === "csrf")
          return oauthError(res, 403, "csrf_token_invalid", "send the session's x-csrf-token");
        if (!principal)
          return oauthError(res, 401, "invalid_token", "approving needs an API key of the account");
        const code = fields["user_code"] ?? "";
        const approve = (fields["action"] ?? "approve") !== "deny";
        if (!(await deps.device.decide(code, principal.accountId, approve))) {
          // The console shows why: a typo, a code that ran out, or one already decided.
          const state = await deps.device.codeState(code);
          if (state === "expired")
            return oauthError(
              res,
              410,
              "expired_token",
              "this code expired; run `darkbloom login` again",
            );
          if (state === "unknown" || state === "pending")
            return oauthError(res, 404, "invalid_grant", "no pending code with this user_code");
          return oauthError(
            res,
            409,
            "already_decided",
            `this code was already ${state === "denied" ? "denied" : "approved"}`,
          );
        }
        return sendJson(res, 200, { user_code: code, status: approve ? "approved" : "denied" });
      }
    }
  }

  return {
    matches: (path: string): boolean => PATHS.has(path),
    handle(req: IncomingMessage, res: ServerResponse, onError: (err: unknown) => void): void {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      serve(path, req, res).catch((err: unknown) => {
        const e = toHttpError(err);
        if (e.status >= 500) onError(err);
        const error = e.status >= 500 ? "server_error" : "invalid_request";
        if (!res.headersSent) oauthError(res, e.status, error, e.message);
        else res.end();
      });
    },
  };
}

const TOKEN_ERRORS: Record<TokenError, string> = {
  authorization_pending: "the user has not approved the code yet",
  slow_down: "polling too fast: add 5 seconds to the interval",
  expired_token: "the device code expired; start again",
  access_denied: "the user denied the request",
  invalid_grant: "unknown or already used device code",
};
