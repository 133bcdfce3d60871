import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import type { HttpRoute } from "@darkbloom/http-body";
import { toHttpError } from "@darkbloom/http-errors";
import type { DeviceAuthorization, TokenError } from "./device-authorization.js";
import { bearer, parseFields, sendJson } from "./oauth-fields.js";

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

const GRANT = "urn:ietf:params:oauth:grant-type:device_code";

type Fields = Record<string, string>;

/**
 * `/v1/device/*` (RFC 8628), `/v1/device/revoke` (the provider token revokes itself, RFC 7009
 * style: sent as Bearer or as the `token` field) and `/v1/provider/account`, as routes of the
 * front door; protocol errors in OAuth's shape, the rest (413, 5xx) through the front door's one
 * error mapping.
 */
export function createDeviceRoutes(deps: DeviceHttpDeps): HttpRoute[] {
  const oauthError = (
    res: ServerResponse,
    status: number,
    error: string,
    description: string,
  ): void => sendJson(res, status, { error, error_description: description });

  /** A 4xx thrown below a handler answers in OAuth's shape; a server error goes to the front door. */
  const oauthErrors = async (res: ServerResponse, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (err) {
      const e = toHttpError(err);
      if (e.status >= 500 || res.headersSent) throw err;
      oauthError(res, e.status, "invalid_request", e.message);
    }
  };

  const form = (
    path: string,
    handle: (req: IncomingMessage, res: ServerResponse, fields: Fields) => Promise<void>,
  ): HttpRoute => ({
    methods: ["POST"],
    path,
    routeClass: "oauth-form",
    async handle({ req, res, readBody }) {
      const fields = parseFields(req.headers["content-type"], await readBody());
      if (!fields)
        return oauthError(res, 400, "invalid_request", "body must be form-encoded or JSON");
      await oauthErrors(res, () => handle(req, res, fields));
    },
  });

  async function code(req: IncomingMessage, res: ServerResponse, fields: Fields): Promise<void> {
    try {
      const clientIp = req.socket.remoteAddress ?? "";
      const grant = await deps.device.start(fields["client_id"] || "darkbloom-provider", clientIp);
      return sendJson(res, 200, grant);
    } catch (err) {
      if (!(err instanceof ConnectError) || err.code !== Code.ResourceExhausted) throw err;
      res.setHeader("retry-after", err.metadata.get("retry-after") ?? "60");
      return oauthError(res, toHttpError(err).status, "slow_down", err.rawMessage);
    }
  }

  async function revoke(req: IncomingMessage, res: ServerResponse, fields: Fields): Promise<void> {
    const token = bearer(req) || fields["token"] || "";
    if (!token) return oauthError(res, 400, "invalid_request", "send the token to revoke");
    // RFC 7009: an unknown or already revoked token is not an error, the answer says which.
    const revoked = await deps.device.revokeProviderToken(token);
    if (revoked) (deps.onTokenRevoked ?? deps.onTokenMinted)();
    return sendJson(res, 200, { revoked });
  }

  async function token(_req: IncomingMessage, res: ServerResponse, fields: Fields): Promise<void> {
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

  async function approve(req: IncomingMessage, res: ServerResponse, fields: Fields): Promise<void> {
    const key = bearer(req);
    const principal =
      key || !deps.session ? await deps.authenticate(key ?? "") : await deps.session(req);
    if (principal === "csrf")
      return oauthError(res, 403, "csrf_token_invalid", "send the session's x-csrf-token");
    if (!principal)
      return oauthError(res, 401, "invalid_token", "approving needs an API key of the account");
    const userCode = fields["user_code"] ?? "";
    const approved = (fields["action"] ?? "approve") !== "deny";
    if (await deps.device.decide(userCode, principal.accountId, approved))
      return sendJson(res, 200, { user_code: userCode, status: approved ? "approved" : "denied" });
    // The console shows why: a typo, a code that ran out, or one already decided.
    const state = await deps.device.codeState(userCode);
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

  return [
    {
      methods: ["GET"],
      path: "/v1/provider/account",
      routeClass: "none",
      handle: ({ req, res }) =>
        oauthErrors(res, async () => {
          const accountId = await deps.device.authenticateProviderToken(bearer(req) ?? "");
          if (!accountId)
            return oauthError(
              res,
              401,
              "invalid_token",
              "send the provider token as a Bearer token",
            );
          const balance = await deps.balanceMicroUsd(accountId);
          sendJson(res, 200, { accountId, balanceMicroUsd: balance.toString() });
        }),
    },
    form("/v1/device/code", code),
    form("/v1/device/token", token),
    form("/v1/device/approve", approve),
    form("/v1/device/revoke", revoke),
  ];
}

const TOKEN_ERRORS: Record<TokenError, string> = {
  authorization_pending: "the user has not approved the code yet",
  slow_down: "polling too fast: add 5 seconds to the interval",
  expired_token: "the device code expired; start again",
  access_denied: "the user denied the request",
  invalid_grant: "unknown or already used device code",
};
