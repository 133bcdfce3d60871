// The configured OpenID provider: its discovery document (fetched once, on first use) and its
// JWKS (jose's remote key set: cached, refetched when a token names an unknown key).
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import { z } from "zod";

const discoverySchema = z.object({
  issuer: z.string().url(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
});

export interface IssuerMetadata {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly keys: JWTVerifyGetKey;
}

export class IssuerUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IssuerUnavailable";
  }
}

const FETCH_TIMEOUT_MS = 5_000;

/** Resolves the issuer's metadata once; a failed attempt is retried on the next call. */
export function issuerMetadata(issuer: string): () => Promise<IssuerMetadata> {
  let pending: Promise<IssuerMetadata> | undefined;
  return () => {
    pending ??= discover(issuer).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

async function discover(issuer: string): Promise<IssuerMetadata> {
  const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new IssuerUnavailable(`${url} answered ${response.status}`);
    body = await response.json();
  } catch (error) {
    if (error instanceof IssuerUnavailable) throw error;
    throw new IssuerUnavailable(`cannot read ${url}`, { cause: error });
  }
  const parsed = discoverySchema.safeParse(body);
  if (!parsed.success) throw new IssuerUnavailable(`${url} is not a discovery document`);
  const doc = parsed.data;
  // OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for
  if (doc.issuer !== issuer)
    throw new IssuerUnavailable(`${url} names issuer ${doc.issuer}, not ${issuer}`);
  const methods = doc.code_challenge_methods_supported;
  if (methods !== undefined && !methods.includes("S256"))
    throw new IssuerUnavailable(`${issuer} does not support PKCE S256`);
  return {
    issuer: doc.issuer,
    authorizationEndpoint: doc.authorization_endpoint,
    tokenEndpoint: doc.token_endpoint,
    keys: createRemoteJWKSet(new URL(doc.jwks_uri), { timeoutDuration: FETCH_TIMEOUT_MS }),
  };
}
