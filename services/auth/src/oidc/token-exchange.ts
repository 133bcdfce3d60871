// The back-channel half of the code flow: code + PKCE verifier → ID token, at the token endpoint
// (client_secret_basic when the client has a secret, else a public client).
import { z } from "zod";
import { IssuerUnavailable } from "./oidc-issuer.js";

const tokenResponse = z.object({ id_token: z.string().min(1) });

export interface CodeExchange {
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly code: string;
  readonly codeVerifier: string;
}

/** The ID token, or null when the issuer refuses the code (reused, expired, wrong verifier). */
export async function exchangeCode(exchange: CodeExchange): Promise<string | null> {
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code: exchange.code,
    redirect_uri: exchange.redirectUri,
    code_verifier: exchange.codeVerifier,
  });
  if (exchange.clientSecret) {
    const id = encodeURIComponent(exchange.clientId);
    const secret = encodeURIComponent(exchange.clientSecret);
    headers["authorization"] = `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
  } else {
    form.set("client_id", exchange.clientId);
  }
  let response: Response;
  try {
    response = await fetch(exchange.tokenEndpoint, {
      method: "POST",
      headers,
      body: form,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new IssuerUnavailable(`cannot reach ${exchange.tokenEndpoint}`, { cause: error });
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.status === 400 || response.status === 401) return null;
  const parsed = tokenResponse.safeParse(body);
  if (!response.ok || !parsed.success)
    throw new IssuerUnavailable(`${exchange.tokenEndpoint} answered ${response.status}`);
  return parsed.data.id_token;
}
