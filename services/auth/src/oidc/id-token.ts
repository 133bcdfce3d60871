// ID token verification (OpenID Connect Core §3.1.3.7): the issuer's signature (keys from its
// JWKS, asymmetric algorithms only), iss, aud (and azp when there are several audiences), exp,
// iat, and the nonce of this login.
import { errors, jwtVerify, type JWTVerifyGetKey } from "jose";

export const ID_TOKEN_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;

export interface IdTokenCheck {
  readonly issuer: string;
  readonly clientId: string;
  readonly nonce: string;
  /** Default 30 s. */
  readonly clockToleranceS?: number;
}

export interface IdTokenClaims {
  readonly subject: string;
  readonly email: string | undefined;
  readonly name: string | undefined;
}

/** Why a token was refused (logged; the person sees one "sign-in failed" message). */
export class IdTokenRefused extends Error {
  constructor(
    message: string,
    readonly reason: "signature" | "claims" | "expired" | "nonce" | "malformed",
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "IdTokenRefused";
  }
}

export async function verifyIdToken(
  idToken: string,
  keys: JWTVerifyGetKey,
  check: IdTokenCheck,
): Promise<IdTokenClaims> {
  let payload;
  try {
    ({ payload } = await jwtVerify(idToken, keys, {
      issuer: check.issuer,
      audience: check.clientId,
      algorithms: [...ID_TOKEN_ALGORITHMS],
      clockTolerance: check.clockToleranceS ?? 30,
      requiredClaims: ["sub", "exp", "iat"],
    }));
  } catch (error) {
    throw refusalOf(error);
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (audiences.length > 1 && payload["azp"] !== check.clientId)
    throw new IdTokenRefused(
      "azp must name this client when there are several audiences",
      "claims",
    );
  if (payload["nonce"] !== check.nonce)
    throw new IdTokenRefused("the nonce is not this login's", "nonce");
  const subject = payload.sub;
  if (typeof subject !== "string" || subject.length === 0 || subject.length > 255)
    throw new IdTokenRefused("sub must be 1 to 255 characters", "claims");
  const text = (key: string): string | undefined => {
    const value = payload[key];
    return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  };
  return {
    subject,
    email: text("email"),
    name: text("name") ?? text("preferred_username") ?? text("email"),
  };
}

function refusalOf(error: unknown): Error {
  if (error instanceof errors.JWTExpired)
    return new IdTokenRefused("the ID token has expired", "expired", { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed)
    return new IdTokenRefused(`claim ${error.claim}: ${error.reason}`, "claims", { cause: error });
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JOSEAlgNotAllowed
  )
    return new IdTokenRefused("the ID token's signature is not the issuer's", "signature", {
      cause: error,
    });
  if (error instanceof errors.JOSEError)
    return new IdTokenRefused("the ID token is malformed", "malformed", { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}
