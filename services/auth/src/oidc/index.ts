// OpenID Connect sign-in and sign-up for the console (authorization code + PKCE).
export { createAuthRoutes, csrfHeader, type AuthHttpDeps, type OidcSettings } from "./oidc-http.js";
export {
  verifyIdToken,
  IdTokenRefused,
  type IdTokenCheck,
  type IdTokenClaims,
} from "./id-token.js";
export {
  SignUpRefused,
  signInOrUp,
  type SignUpCodes,
  type SignUpHook,
  type SignUpRefusal,
} from "./sign-up.js";
