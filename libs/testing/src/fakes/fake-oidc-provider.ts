// A REAL OpenID Provider for tests: the `oidc-provider` package (certified OP) configured with one
// confidential client, PKCE required, an RS256 signing key made per run, and a plain login form
// (username + password) for the test users; consent is granted on the person's behalf. It runs
// on its own port, so the coordinator meets it exactly as it would a production issuer.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import type Provider from "oidc-provider";

export interface FakeOidcUser {
  readonly id: string;
  readonly password: string;
  readonly email: string;
  readonly name: string;
}

export interface FakeOidcProviderOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  readonly users: readonly FakeOidcUser[];
}

export class FakeOidcProvider {
  private state: "listening" | "closed" = "listening";

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    private readonly users: readonly FakeOidcUser[],
    private readonly provider: Provider,
  ) {}

  static async start(options: FakeOidcProviderOptions): Promise<FakeOidcProvider> {
    const holder: { fake?: FakeOidcProvider } = {};
    const server = createServer((req, res) => {
      const fake = holder.fake;
      if (fake === undefined) return void res.writeHead(503).end();
      fake.serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(`fake OP error: ${String(error)}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const issuer = `http://127.0.0.1:${port}`;
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: "test-key-1", alg: "RS256", use: "sig" };
    const users = options.users;
    // loaded here, not at import: only the tests that start an OP load it
    const { default: OidcProvider } = await import("oidc-provider");
    const provider = new OidcProvider(issuer, {
      clients: [
        {
          client_id: options.clientId,
          client_secret: options.clientSecret,
          redirect_uris: [...options.redirectUris],
          grant_types: ["authorization_code"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_basic",
        },
      ],
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(32).toString("hex")] },
      pkce: { required: () => true },
      features: { devInteractions: { enabled: false } },
      // the profile and email claims in the ID token itself (no userinfo call needed)
      conformIdTokenClaims: false,
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
      claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
      interactions: { url: (_ctx: unknown, i: { uid: string }) => `/interaction/${i.uid}` },
      findAccount: (_ctx: unknown, sub: string) => {
        const user = users.find((u) => u.id === sub);
        return user
          ? {
              accountId: sub,
              claims: () => ({ sub, email: user.email, email_verified: true, name: user.name }),
            }
          : undefined;
      },
    });
    const fake = new FakeOidcProvider(server, issuer, users, provider);
    holder.fake = fake;
    return fake;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.issuer);
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(url.pathname);
    if (!match) return this.provider.callback()(req, res);
    const details = await this.provider.interactionDetails(req, res);
    if (match[2] === "/login" && req.method === "POST") {
      const form = new URLSearchParams(await readText(req));
      const user = this.users.find(
        (u) => u.id === form.get("username") && u.password === form.get("password"),
      );
      if (!user) return this.loginForm(res, details.uid, "Wrong username or password.");
      return this.provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.id } },
        { mergeWithLastSubmission: false },
      );
    }
    if (details.prompt.name === "login") return this.loginForm(res, details.uid, "");
    // consent: granted for the scopes and claims the client asked for
    const accountId = details.session?.accountId ?? "";
    const grant =
      (details.grantId ? await this.provider.Grant.find(details.grantId) : undefined) ??
      new this.provider.Grant({ accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    return this.provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  }

  private loginForm(res: ServerResponse, uid: string, error: string): void {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1>
${error ? `<p role="alert">${error}</p>` : ""}
<form method="post" action="/interaction/${uid}/login">
<label for="username">Username</label> <input id="username" name="username" autocomplete="username">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Continue</button>
</form></main></body></html>`);
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function readText(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > 16 * 1024) break;
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString("utf8");
}
